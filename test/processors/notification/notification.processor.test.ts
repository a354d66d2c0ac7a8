import { randomInt, randomUUID } from 'node:crypto';
import pino from 'pino';
import type { RowDataPacket } from 'mysql2/promise';
import { createSmtpEmailSender, type ClosableEmailSender } from '../../../integrations/email';
import { createTwilioSmsSender, type SmsSender } from '../../../integrations/sms';
import { createNotificationProcessor, notificationId } from '../../../processors/notification';
import { createOutputPublisher, decodeBatch, runProcessor, type DecodedMessage } from '../../../processors/runtime';
import { createEventCodec, deriveId, TOPICS, type NotificationDelivered } from '../../../schemas';
import { createMemoryTransport, type MemoryTransport, type Subscription } from '../../../streams';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { startSmtpCatcher, type SmtpCatcher } from '../../integrations/email/smtp-catcher.helper';
import { startTwilioFake, type TwilioFake } from '../../integrations/sms/twilio-fake.helper';
import { decoded, encode, eventually, orderFlow } from '../logger/flow-events.helper';

const logger = pino({ level: 'silent' });
const codec = createEventCodec();
const account = { sid: `AC${randomUUID().replace(/-/g, '')}`, token: 'token-1' };
/** An address the SMTP server answers 451 (try again later) the first time, then accepts. */
const busyAddress = `busy-${randomUUID()}@example.org`;

/** An E.164 number no other test of the file uses. */
function uniquePhone(): string {
  return `+1${randomInt(200, 999)}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

interface Merchant {
  id: string;
  email: string;
  phone: string;
}

describe('notification processor', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let twilio: TwilioFake;
  let email: ClosableEmailSender;
  let sms: SmsSender;
  let busyReplies = 0;

  beforeAll(async () => {
    const rcptReplies: Record<string, number> = {};
    Object.defineProperty(rcptReplies, busyAddress, { enumerable: true, get: () => (busyReplies++ === 0 ? 451 : undefined) });
    [db, smtp, twilio] = await Promise.all([createTestDatabase(), startSmtpCatcher({ rcptReplies }), startTwilioFake(account)]);
    email = createSmtpEmailSender({ url: smtp.url(), from: 'Paystream <no-reply@paystream.test>' });
    sms = createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' });
  });
  afterAll(async () => {
    await email.close();
    await Promise.all([smtp.close(), twilio.close(), db.drop()]);
  });

  async function addMerchant(options: { email?: string; phone?: string; notifyEmail?: boolean; notifySms?: boolean } = {}): Promise<Merchant> {
    const merchant = { id: randomUUID(), email: options.email ?? `m-${randomUUID()}@example.org`, phone: options.phone ?? uniquePhone() };
    await db.pool.query(
      'INSERT INTO merchants (id, name, email, phone, default_currency, notify_email, notify_sms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [merchant.id, 'Acme Shop', merchant.email, merchant.phone, 'USD', options.notifyEmail === false ? 0 : 1, options.notifySms === false ? 0 : 1, new Date()],
    );
    return merchant;
  }

  async function rowsOf(sourceEventId: string): Promise<RowDataPacket[]> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT channel, status, attempts, provider, provider_message_id, last_error, recipient, template FROM notifications WHERE source_event_id = ? ORDER BY channel',
      [sourceEventId],
    );
    return rows;
  }

  /** The running pipeline piece: memory transport, the processor under the runner, a reader of notifications.sent. */
  async function start(senders: { email?: ClosableEmailSender; sms?: SmsSender } = { email, sms }) {
    const transport: MemoryTransport = createMemoryTransport({ partitions: 2 }, { logger });
    const processor = createNotificationProcessor({ pool: db.pool, publish: createOutputPublisher(transport), codec, logger, ...senders, options: { maxConcurrentSends: 4 } });
    const subscriptions: Subscription[] = [];
    subscriptions.push(await runProcessor(processor, { transport, codec, logger, retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 } }));
    const delivered: Array<DecodedMessage & { type: 'NotificationDelivered' }> = [];
    await transport.ensureTopics([TOPICS.notificationsSent]);
    subscriptions.push(
      await transport.subscribe({
        topics: [TOPICS.notificationsSent],
        group: `test-${randomUUID()}`,
        handler: async (batch) => {
          for (const m of decodeBatch(codec, batch)) if (m.type === 'NotificationDelivered') delivered.push(m);
        },
      }),
    );
    return {
      transport,
      processor,
      delivered,
      async publish(message: ReturnType<typeof sale>['walletUpdated']): Promise<void> {
        await transport.publish(TOPICS.walletUpdates, [encode(codec, message)]);
      },
      async stop(): Promise<void> {
        for (const s of subscriptions) await s.close();
        await transport.close();
      },
    };
  }

  /** A sale of 25.00 USD: 24.38 credited after the fee, the shadow balance 100.00 → 124.38. */
  function sale(merchant: Merchant) {
    return orderFlow({ merchantId: merchant.id, totalMinor: 2500 });
  }

  async function settled(sourceEventId: string, count = 2): Promise<RowDataPacket[]> {
    return eventually(
      async () => {
        const rows = await rowsOf(sourceEventId);
        return rows.length === count && rows.every((r) => !['PENDING', 'SENDING'].includes(String(r.status))) ? rows : undefined;
      },
      10_000,
      'final notification rows',
    );
  }

  function deliveredFor(list: ReadonlyArray<{ event: NotificationDelivered }>, sourceEventId: string): NotificationDelivered[] {
    return list.map((m) => m.event).filter((e) => e.sourceEventId === sourceEventId);
  }

  it('emails and texts the merchant once for a sale, with the amount and the new balance, even when redelivered', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const app = await start();
    try {
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows).toEqual([
        expect.objectContaining({ channel: 'EMAIL', status: 'SENT', attempts: 1, provider: 'smtp', recipient: merchant.email, template: 'sale-credited', last_error: null }),
        expect.objectContaining({ channel: 'SMS', status: 'SENT', attempts: 1, provider: 'twilio', recipient: merchant.phone, template: 'sale-credited' }),
      ]);

      const mails = smtp.mails.filter((m) => m.to.includes(merchant.email));
      expect(mails).toHaveLength(1);
      const mail = mails[0]?.unfolded ?? '';
      expect(mail).toContain('Subject: Sale credited: USD 24.38');
      expect(mail).toContain(`A sale of USD 24.38 was credited to your wallet for order ${flow.orderId}.`);
      expect(mail).toContain('New balance: USD 124.38 (available to spend now: USD 100.00).');
      expect(mail).toContain('Hello Acme Shop,');
      expect(rows[0]?.provider_message_id).toBe(/^Message-ID: (.*)$/im.exec(mail)?.[1]?.trim());

      const texts = twilio.received.filter((r) => r.form.To === merchant.phone);
      expect(texts.map((t) => t.form.Body)).toEqual([`paystream: sale of USD 24.38 credited for order ${flow.orderId}. Balance USD 124.38.`]);
      expect(rows[1]?.provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);

      await eventually(async () => (deliveredFor(app.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      const [forEmail, forSms] = app.delivered.filter((m) => m.event.sourceEventId === flow.walletUpdated.eventId).sort((a, b) => a.event.channel.localeCompare(b.event.channel));
      expect(forEmail?.headers.eventId).toBe(deriveId(flow.walletUpdated.eventId, 'NotificationDelivered', 'EMAIL'));
      expect(forEmail?.headers.correlationId).toBe(flow.orderId);
      expect(forEmail?.headers.causationId).toBe(flow.walletUpdated.eventId);
      expect(forEmail?.key).toBe(merchant.id);
      expect(forEmail?.event).toMatchObject({ notificationId: notificationId(flow.walletUpdated.eventId, 'EMAIL'), merchantId: merchant.id, channel: 'EMAIL', status: 'SENT', provider: 'smtp', attempts: 1 });
      expect(forSms?.event).toMatchObject({ channel: 'SMS', status: 'SENT', provider: 'twilio', providerMessageId: rows[1]?.provider_message_id as string });

      // Redelivery, through the transport and straight to the handler: nothing is sent or published again.
      await app.publish(flow.walletUpdated);
      await app.processor.handle([decoded(flow.walletUpdated)]);
      await eventually(async () => (app.transport.stats().every((t) => t.groups.every((g) => g.lag === 0)) ? true : undefined), 5_000, 'drain');
      expect(smtp.mails.filter((m) => m.to.includes(merchant.email))).toHaveLength(1);
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(1);
      expect(deliveredFor(app.delivered, flow.walletUpdated.eventId)).toHaveLength(2);
      expect(await rowsOf(flow.walletUpdated.eventId)).toEqual(rows);
    } finally {
      await app.stop();
    }
  });

  it('publishes NotificationDelivered again, never sending again, when a process that did not publish it gets the event again', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const first = await start();
    let before: NotificationDelivered[];
    try {
      await first.publish(flow.walletUpdated);
      await settled(flow.walletUpdated.eventId);
      await eventually(async () => (deliveredFor(first.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      before = deliveredFor(first.delivered, flow.walletUpdated.eventId);
    } finally {
      await first.stop();
    }
    // As after a crash between the commit and the publish: another process gets the event again.
    const second = await start();
    try {
      await second.publish(flow.walletUpdated);
      await eventually(async () => (deliveredFor(second.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered again');
      const again = second.delivered.filter((m) => m.event.sourceEventId === flow.walletUpdated.eventId);
      const firstIds = first.delivered.filter((m) => m.event.sourceEventId === flow.walletUpdated.eventId).map((m) => m.headers.eventId);
      expect(again.map((m) => m.headers.eventId).sort()).toEqual([...firstIds].sort());
      expect(deliveredFor(second.delivered, flow.walletUpdated.eventId)).toEqual(expect.arrayContaining(before));
      expect(smtp.mails.filter((m) => m.to.includes(merchant.email))).toHaveLength(1);
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('retries a transient SMTP failure (451) and ends SENT after two attempts, texting once', async () => {
    const merchant = await addMerchant({ email: busyAddress });
    const flow = sale(merchant);
    const app = await start();
    try {
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', status: 'SENT', attempts: 2, provider: 'smtp' });
      expect(String(rows[0]?.last_error)).toMatch(/^EMAIL_TRANSIENT_FAILURE: /);
      expect(rows[1]).toMatchObject({ channel: 'SMS', status: 'SENT', attempts: 1 });
      expect(busyReplies).toBe(2);
      expect(smtp.mails.filter((m) => m.to.includes(busyAddress))).toHaveLength(1);
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(1);
      await eventually(async () => (deliveredFor(app.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      expect(deliveredFor(app.delivered, flow.walletUpdated.eventId).find((e) => e.channel === 'EMAIL')).toMatchObject({ status: 'SENT', attempts: 2 });
    } finally {
      await app.stop();
    }
  });

  it('records an SMS the provider rejects (400) as FAILED without retrying it', async () => {
    const merchant = await addMerchant({ phone: '12345' });
    const flow = sale(merchant);
    const app = await start();
    try {
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', status: 'SENT', attempts: 1 });
      expect(rows[1]).toMatchObject({ channel: 'SMS', status: 'FAILED', attempts: 1, provider: 'twilio', provider_message_id: null });
      expect(String(rows[1]?.last_error)).toMatch(/^SMS_REJECTED: /);
      expect(twilio.received.filter((r) => r.form.To === '12345')).toHaveLength(1);
      await eventually(async () => (deliveredFor(app.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      expect(deliveredFor(app.delivered, flow.walletUpdated.eventId).find((e) => e.channel === 'SMS')).toMatchObject({ status: 'FAILED', provider: 'twilio', attempts: 1 });
    } finally {
      await app.stop();
    }
  });

  it('records NOT_CONFIGURED for a channel without a provider and publishes it', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const app = await start({ email });
    try {
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', status: 'SENT' });
      expect(rows[1]).toMatchObject({ channel: 'SMS', status: 'NOT_CONFIGURED', attempts: 0, provider: null });
      await eventually(async () => (deliveredFor(app.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      expect(deliveredFor(app.delivered, flow.walletUpdated.eventId).find((e) => e.channel === 'SMS')).toMatchObject({ status: 'NOT_CONFIGURED', provider: 'none', attempts: 0 });
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(0);
    } finally {
      await app.stop();
    }
  });

  it('respects a merchant who opted out of a channel', async () => {
    const merchant = await addMerchant({ notifySms: false });
    const flow = sale(merchant);
    const app = await start();
    try {
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', status: 'SENT' });
      expect(rows[1]).toMatchObject({ channel: 'SMS', status: 'OPTED_OUT', attempts: 0 });
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(0);
      await eventually(async () => (deliveredFor(app.delivered, flow.walletUpdated.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
      expect(deliveredFor(app.delivered, flow.walletUpdated.eventId).find((e) => e.channel === 'SMS')).toMatchObject({ status: 'NOT_CONFIGURED', provider: 'opted-out' });
    } finally {
      await app.stop();
    }
  });

  it('does not resend a delivery interrupted mid-send, and records it FAILED', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const app = await start();
    try {
      // A process that died after marking the SMS SENDING (attempt 1) and before recording the outcome.
      await db.pool.query(
        `INSERT INTO notifications (id, source_event_id, channel, merchant_id, template, recipient, status, attempts, created_at, updated_at)
         VALUES (?, ?, 'SMS', ?, 'sale-credited', ?, 'SENDING', 1, ?, ?)`,
        [notificationId(flow.walletUpdated.eventId, 'SMS'), flow.walletUpdated.eventId, merchant.id, merchant.phone, new Date(), new Date()],
      );
      await app.publish(flow.walletUpdated);
      const rows = await settled(flow.walletUpdated.eventId);
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', status: 'SENT', attempts: 1 });
      expect(rows[1]).toMatchObject({ channel: 'SMS', status: 'FAILED', attempts: 1 });
      expect(String(rows[1]?.last_error)).toContain('interrupted');
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(0);
    } finally {
      await app.stop();
    }
  });

  it('notifies only for credited sales, confirmed and rejected actions', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const app = await start();
    try {
      const base = flow.walletUpdated;
      const salePosted = { ...base, eventId: randomUUID(), event: { ...base.event, status: 'POSTED' as const } };
      const topUpPosted = {
        ...base,
        eventId: randomUUID(),
        event: { ...base.event, cause: 'TOP_UP' as const, status: 'POSTED' as const, orderId: null, actionId: randomUUID(), amountMinor: 0 },
      };
      await app.processor.handle([decoded(salePosted), decoded(topUpPosted)]);
      expect(await rowsOf(salePosted.eventId)).toEqual([]);
      const rows = await rowsOf(topUpPosted.eventId);
      expect(rows.map((r): unknown[] => [r.channel, r.status, r.template])).toEqual([
        ['EMAIL', 'SENT', 'action-posted'],
        ['SMS', 'SENT', 'action-posted'],
      ]);
      // A posting does not move the shadow balance; the amount comes from the wallet's journal line.
      expect(twilio.received.filter((r) => r.form.To === merchant.phone).map((r) => r.form.Body)).toEqual([
        `paystream: top-up of USD 24.38 confirmed (action ${topUpPosted.event.actionId}). Balance USD 124.38.`,
      ]);
    } finally {
      await app.stop();
    }
  });

  it('records the outcome of sends whose recording failed on the retry, without sending again', async () => {
    const merchant = await addMerchant();
    const flow = sale(merchant);
    const app = await start();
    const original = db.pool.getConnection.bind(db.pool);
    let calls = 0;
    // The second transaction of the batch (recording the outcomes) cannot get a connection, once.
    db.pool.getConnection = async () => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('connection lost (test)'), { code: 'PROTOCOL_CONNECTION_LOST' });
      return original();
    };
    try {
      await expect(app.processor.handle([decoded(flow.walletUpdated)])).rejects.toThrow('connection lost (test)');
      expect((await rowsOf(flow.walletUpdated.eventId)).map((r) => String(r.status))).toEqual(['SENDING', 'SENDING']);
      await app.processor.handle([decoded(flow.walletUpdated)]);
      const rows = await rowsOf(flow.walletUpdated.eventId);
      expect(rows.map((r): unknown[] => [r.channel, r.status, r.attempts])).toEqual([
        ['EMAIL', 'SENT', 1],
        ['SMS', 'SENT', 1],
      ]);
      expect(rows[1]?.provider_message_id).toMatch(/^SM/);
      expect(smtp.mails.filter((m) => m.to.includes(merchant.email))).toHaveLength(1);
      expect(twilio.received.filter((r) => r.form.To === merchant.phone)).toHaveLength(1);
    } finally {
      db.pool.getConnection = original;
      await app.stop();
    }
  });

  it('records FAILED deliveries for a merchant it does not know', async () => {
    const flow = orderFlow();
    const app = await start();
    try {
      await app.processor.handle([decoded(flow.walletUpdated)]);
      const rows = await rowsOf(flow.walletUpdated.eventId);
      expect(rows.map((r): unknown[] => [r.channel, r.status, r.attempts, r.last_error])).toEqual([
        ['EMAIL', 'FAILED', 0, `merchant ${flow.merchantId} not found`],
        ['SMS', 'FAILED', 0, `merchant ${flow.merchantId} not found`],
      ]);
    } finally {
      await app.stop();
    }
  });
});
