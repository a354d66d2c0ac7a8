import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { RowDataPacket } from 'mysql2/promise';
import { createSmtpEmailSender, type ClosableEmailSender } from '../../../integrations/email';
import { createTwilioSmsSender, type SmsSender } from '../../../integrations/sms';
import { notificationId, thresholdSourceId } from '../../../processors/notification';
import { createEventCodec, deriveId, type JournalLine, type WalletUpdateCause, type HoldStatus } from '../../../schemas';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { startSmtpCatcher, type SmtpCatcher } from '../../integrations/email/smtp-catcher.helper';
import { startTwilioFake, type TwilioFake } from '../../integrations/sms/twilio-fake.helper';
import { decoded, eventually, type Envelope } from '../logger/flow-events.helper';
import { addMerchant, startNotifications, type NotificationHarness, type TestMerchant } from './notification-harness.helper';

const logger = pino({ level: 'silent' });
const codec = createEventCodec();
const account = { sid: `AC${randomUUID().replace(/-/g, '')}`, token: 'token-1' };
/** An address the SMTP server answers 451 (try again later) the first time, then accepts. */
const busyAddress = `busy-${randomUUID()}@example.org`;

interface Change {
  cause: WalletUpdateCause;
  status: HoldStatus;
  /** Shadow balance after the change; the other figures follow from it (nothing posted or pending out). */
  shadowMinor: number;
  amountMinor?: number;
  lines?: JournalLine[];
  reason?: string;
  actionId?: string;
}

/** A WalletUpdated of `walletId` as the ledger would publish it for an action (key = wallet id). */
function walletUpdated(merchant: TestMerchant, walletId: string, change: Change): Envelope<'WalletUpdated'> {
  const actionId = change.actionId ?? randomUUID();
  const eventId = deriveId(deriveId(actionId, 'BalanceActionRequested'), 'WalletUpdated', walletId, change.status);
  const at = Date.now();
  return {
    type: 'WalletUpdated',
    eventId,
    key: walletId,
    correlationId: actionId,
    causationId: deriveId(actionId, 'BalanceActionRequested'),
    producedAt: new Date(at),
    event: {
      walletId,
      merchantId: merchant.id,
      ledgerTransactionId: deriveId(actionId, 'ledger-transaction'),
      cause: change.cause,
      status: change.status,
      actionId,
      orderId: null,
      amountMinor: change.amountMinor ?? 0,
      currency: 'USD',
      balances: { postedMinor: 0, pendingInMinor: change.shadowMinor, pendingOutMinor: 0, availableMinor: 0, shadowMinor: change.shadowMinor },
      lines: change.lines ?? [],
      reason: change.reason ?? null,
      occurredAt: at,
    },
  };
}

const system = (code: string): string => deriveId('system-account', code, 'USD');

describe('notification processor: wallet actions and balance monitors', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let twilio: TwilioFake;
  let email: ClosableEmailSender;
  let sms: SmsSender;
  let app: NotificationHarness;
  let busyReplies = 0;

  beforeAll(async () => {
    const rcptReplies: Record<string, number> = {};
    Object.defineProperty(rcptReplies, busyAddress, { enumerable: true, get: () => (busyReplies++ === 0 ? 451 : undefined) });
    [db, smtp, twilio] = await Promise.all([createTestDatabase(), startSmtpCatcher({ rcptReplies }), startTwilioFake(account)]);
    email = createSmtpEmailSender({ url: smtp.url(), from: 'Paystream <no-reply@paystream.test>' });
    sms = createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' });
    app = await startNotifications({ pool: db.pool, codec, logger, email, sms });
  });
  afterAll(async () => {
    await app.stop();
    await email.close();
    await Promise.all([smtp.close(), twilio.close(), db.drop()]);
  });

  const mailsTo = (m: TestMerchant): string[] => smtp.mails.filter((mail) => mail.to.includes(m.email)).map((mail) => mail.unfolded);
  const textsTo = (m: TestMerchant): string[] => twilio.received.filter((r) => r.form.To === m.phone).map((r) => r.form.Body ?? '');

  /** The merchant's notification rows once `count` of them exist and all are final. */
  async function settledRows(merchant: TestMerchant, count: number): Promise<RowDataPacket[]> {
    return eventually(
      async () => {
        const [rows] = await db.pool.query<RowDataPacket[]>(
          `SELECT id, source_event_id, channel, status, attempts, provider, provider_message_id, template, recipient
             FROM notifications WHERE merchant_id = ? ORDER BY created_at, source_event_id, channel`,
          [merchant.id],
        );
        return rows.length === count && rows.every((r) => !['PENDING', 'SENDING'].includes(String(r.status))) ? rows : undefined;
      },
      10_000,
      `${count} final notification rows`,
    );
  }

  async function addThreshold(merchant: TestMerchant, walletId: string, thresholdMinor: number, direction: 'BELOW' | 'ABOVE'): Promise<string> {
    const id = randomUUID();
    await db.pool.query('INSERT INTO balance_thresholds (id, wallet_id, merchant_id, threshold_minor, direction, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      id,
      walletId,
      merchant.id,
      thresholdMinor,
      direction,
      new Date(),
    ]);
    return id;
  }

  async function lastState(thresholdId: string): Promise<unknown> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT last_state FROM balance_thresholds WHERE id = ?', [thresholdId]);
    return rows[0]?.last_state;
  }

  it('emails and texts a confirmed top-up once, with the amount and the new shadow balance', async () => {
    const merchant = await addMerchant(db.pool);
    const walletId = randomUUID();
    const posted = walletUpdated(merchant, walletId, {
      cause: 'TOP_UP',
      status: 'POSTED',
      shadowMinor: 15_000,
      lines: [
        { account: walletId, amountMinor: 5_000 },
        { account: system('topup_clearing'), amountMinor: -5_000 },
      ],
    });
    const actionId = posted.event.actionId ?? '';
    await app.publish([posted]);
    const rows = await settledRows(merchant, 2);
    expect(rows.map((r): unknown[] => [r.channel, r.status, r.attempts, r.template, r.source_event_id])).toEqual([
      ['EMAIL', 'SENT', 1, 'action-posted', posted.eventId],
      ['SMS', 'SENT', 1, 'action-posted', posted.eventId],
    ]);
    const mails = mailsTo(merchant);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('Subject: Top-up confirmed: USD 50.00');
    expect(mails[0]).toContain(`Your top-up of USD 50.00 (action ${actionId}) was confirmed.`);
    expect(mails[0]).toContain('New balance: USD 150.00');
    expect(textsTo(merchant)).toEqual([`paystream: top-up of USD 50.00 confirmed (action ${actionId}). Balance USD 150.00.`]);

    await eventually(async () => (app.deliveredFor(posted.eventId).length === 2 ? true : undefined), 5_000, 'NotificationDelivered');
    const forSms = app.delivered.find((m) => m.event.sourceEventId === posted.eventId && m.event.channel === 'SMS');
    expect(forSms?.headers).toMatchObject({ eventId: deriveId(posted.eventId, 'NotificationDelivered', 'SMS'), correlationId: actionId, causationId: posted.eventId });
    expect(forSms?.event).toMatchObject({ notificationId: notificationId(posted.eventId, 'SMS'), merchantId: merchant.id, status: 'SENT', provider: 'twilio' });

    await app.publish([posted]);
    await app.drained();
    expect(mailsTo(merchant)).toHaveLength(1);
    expect(textsTo(merchant)).toHaveLength(1);
    expect(app.deliveredFor(posted.eventId)).toHaveLength(2);
  });

  it('tells of a usage rejected at request with the amount asked for and the reason, and of an ERP rejection', async () => {
    const merchant = await addMerchant(db.pool);
    const walletId = randomUUID();
    const usageId = randomUUID();
    // The gateway's record of the action: the event of a rejection at request carries no amount.
    await db.pool.query(
      `INSERT INTO wallet_actions (id, merchant_id, idempotency_key, request_hash, request_json, kind, wallet_id, amount_minor, currency, status, reason_code, reason, created_at)
       VALUES (?, ?, ?, ?, '{}', 'USAGE', ?, 700, 'USD', 'REJECTED', 'INSUFFICIENT_FUNDS', 'available 500 < 700', ?)`,
      [usageId, merchant.id, `idem-${usageId}`, 'a'.repeat(64), walletId, new Date()],
    );
    const atRequest = walletUpdated(merchant, walletId, {
      cause: 'USAGE',
      status: 'REJECTED',
      actionId: usageId,
      shadowMinor: 500,
      reason: 'INSUFFICIENT_FUNDS: available 500 < 700',
    });
    const byErp = walletUpdated(merchant, walletId, {
      cause: 'TOP_UP',
      status: 'REJECTED',
      shadowMinor: 500,
      amountMinor: -2_000,
      reason: 'ERP rejected: account closed',
      lines: [
        { account: walletId, amountMinor: 2_000 },
        { account: system('topup_clearing'), amountMinor: -2_000 },
      ],
    });
    await app.publish([atRequest, byErp]);
    const rows = await settledRows(merchant, 4);
    expect(rows.every((r) => r.status === 'SENT' && r.template === 'action-rejected')).toBe(true);

    const mails = mailsTo(merchant);
    expect(mails).toHaveLength(2);
    const usageMail = mails.find((m) => m.includes('Subject: Usage charge rejected'));
    expect(usageMail).toContain('Subject: Usage charge rejected: USD 7.00');
    expect(usageMail).toContain(`Your usage charge of USD 7.00 (action ${usageId}) was rejected: INSUFFICIENT_FUNDS: available 500 < 700.`);
    expect(usageMail).toContain('Your balance did not change.');
    expect(usageMail).toContain('New balance: USD 5.00');
    const topUpMail = mails.find((m) => m.includes('Subject: Top-up rejected'));
    expect(topUpMail).toContain('Subject: Top-up rejected: USD 20.00');
    expect(topUpMail).toContain('was rejected: ERP rejected: account closed.');
    expect(topUpMail).toContain('The amount was released.');
    expect(textsTo(merchant).sort()).toEqual([
      `paystream: top-up of USD 20.00 rejected (ERP rejected: account closed). Balance USD 5.00.`,
      `paystream: usage charge of USD 7.00 rejected (INSUFFICIENT_FUNDS: available 500 < 700). Balance USD 5.00.`,
    ]);
  });

  it("tells each wallet's owner of a confirmed transfer, twice when one merchant owns both wallets", async () => {
    const [payer, payee] = await Promise.all([addMerchant(db.pool), addMerchant(db.pool)]);
    const transfer = (from: TestMerchant, to: TestMerchant, amount: number) => {
      const [fromWallet, toWallet, actionId] = [randomUUID(), randomUUID(), randomUUID()];
      const lines = [
        { account: fromWallet, amountMinor: -amount },
        { account: toWallet, amountMinor: amount },
      ];
      return [
        walletUpdated(from, fromWallet, { cause: 'TRANSFER_OUT', status: 'POSTED', actionId, shadowMinor: 1_000, lines }),
        walletUpdated(to, toWallet, { cause: 'TRANSFER_IN', status: 'POSTED', actionId, shadowMinor: 9_000, lines }),
      ];
    };
    const between = transfer(payer, payee, 1_250);
    const own = transfer(payee, payee, 300);
    await app.publish([...between, ...own]);
    await settledRows(payer, 2);
    await settledRows(payee, 6);
    const actionOf = (e: Envelope<'WalletUpdated'> | undefined): string => e?.event.actionId ?? '';
    expect(textsTo(payer)).toEqual([`paystream: transfer of USD 12.50 confirmed (action ${actionOf(between[0])}). Balance USD 10.00.`]);
    expect(textsTo(payee).sort()).toEqual(
      [
        `paystream: incoming transfer of USD 12.50 confirmed (action ${actionOf(between[1])}). Balance USD 90.00.`,
        `paystream: incoming transfer of USD 3.00 confirmed (action ${actionOf(own[1])}). Balance USD 90.00.`,
        `paystream: transfer of USD 3.00 confirmed (action ${actionOf(own[0])}). Balance USD 10.00.`,
      ].sort(),
    );
    expect(mailsTo(payee)).toHaveLength(3);
  });

  it('alerts once per crossing of a BELOW threshold, however many changes stay below, and never again on redelivery', async () => {
    const merchant = await addMerchant(db.pool);
    const walletId = randomUUID();
    const thresholdId = await addThreshold(merchant, walletId, 5_000, 'BELOW');
    let shadow = 10_000;
    const step = (cause: WalletUpdateCause, shadowMinor: number) => {
      const amountMinor = shadowMinor - shadow;
      shadow = shadowMinor;
      const contra = system(cause === 'USAGE' ? 'usage_revenue' : 'topup_clearing');
      const lines = [
        { account: walletId, amountMinor },
        { account: contra, amountMinor: -amountMinor },
      ];
      return walletUpdated(merchant, walletId, { cause, status: 'HELD', shadowMinor, amountMinor, lines });
    };
    // 80 → 40 (crosses: alert) → 30 → 20 (still below) → 60 (back above: no alert) → 45 (crosses: alert) → 40.
    const sequence = [
      step('USAGE', 8_000),
      step('USAGE', 4_000),
      step('USAGE', 3_000),
      step('USAGE', 2_000),
      step('TOP_UP', 6_000),
      step('USAGE', 4_500),
      step('USAGE', 4_000),
    ];
    for (const e of sequence.slice(0, 3)) await app.publish([e]);
    await app.publish(sequence.slice(3));
    const rows = await settledRows(merchant, 4);
    const alerted = [sequence[1], sequence[5]].map((e) => thresholdSourceId(e?.eventId ?? '', thresholdId));
    // Rows of one batch share created_at: compare in (source, channel) order.
    expect(rows.map((r): unknown[] => [r.source_event_id, r.channel, r.status, r.template]).sort()).toEqual(
      [...alerted].sort().flatMap((id) => [
        [id, 'EMAIL', 'SENT', 'balance-below'],
        [id, 'SMS', 'SENT', 'balance-below'],
      ]),
    );
    // One batch's sends run concurrently: the order of arrival is not the events' order.
    expect(textsTo(merchant).sort()).toEqual([
      `paystream: balance USD 40.00 is below your alert threshold of USD 50.00 (wallet ${walletId}).`,
      `paystream: balance USD 45.00 is below your alert threshold of USD 50.00 (wallet ${walletId}).`,
    ]);
    const mails = mailsTo(merchant);
    expect(mails).toHaveLength(2);
    const first = mails.find((m) => m.includes('Subject: Balance below USD 50.00: USD 40.00'));
    expect(first).toContain(`Last change: usage charge of USD 40.00 (action ${sequence[1]?.event.actionId ?? ''}), pending confirmation.`);
    await app.drained();
    expect(await lastState(thresholdId)).toBe('BELOW');

    await eventually(async () => (alerted.every((id) => app.deliveredFor(id).length === 2) ? true : undefined), 5_000, 'NotificationDelivered');
    const forAlert = app.delivered.find((m) => m.event.sourceEventId === alerted[1] && m.event.channel === 'EMAIL');
    expect(forAlert?.headers).toMatchObject({ causationId: sequence[5]?.eventId, correlationId: sequence[5]?.event.actionId });
    expect(forAlert?.key).toBe(merchant.id);
    const deliveredBefore = app.delivered.length;

    // The whole sequence again, through the transport and straight to the handler: nothing changes.
    await app.publish(sequence);
    await app.drained();
    await app.processor.handle(sequence.map(decoded));
    expect(await settledRows(merchant, 4)).toEqual(rows);
    expect(textsTo(merchant)).toHaveLength(2);
    expect(mailsTo(merchant)).toHaveLength(2);
    expect(await lastState(thresholdId)).toBe('BELOW');
    expect(app.delivered.length).toBe(deliveredBefore);

    // A stale copy of the change that went back above does not move the state: the next change,
    // still below, is no crossing.
    await app.publish(sequence.slice(4, 5));
    await app.drained();
    expect(await lastState(thresholdId)).toBe('BELOW');
    await app.publish([step('USAGE', 3_000)]);
    await app.drained();
    expect(await lastState(thresholdId)).toBe('BELOW');
    expect(textsTo(merchant)).toHaveLength(2);
    expect(await settledRows(merchant, 4)).toEqual(rows);
  });

  it('alerts on an ABOVE threshold reached exactly, and at once when first seen on the alerting side', async () => {
    const merchant = await addMerchant(db.pool);
    const walletId = randomUUID();
    const low = await addThreshold(merchant, walletId, 20_000, 'BELOW');
    const high = await addThreshold(merchant, walletId, 10_000, 'ABOVE');
    const usage = walletUpdated(merchant, walletId, { cause: 'USAGE', status: 'HELD', shadowMinor: 9_000, amountMinor: -1_000 });
    // The ERP rejects the usage: its hold is released and the balance is back at 100.00.
    const rejected = walletUpdated(merchant, walletId, {
      cause: 'USAGE',
      status: 'REJECTED',
      actionId: usage.event.actionId ?? '',
      shadowMinor: 10_000,
      amountMinor: 1_000,
      reason: 'ERP rejected: unknown product',
      lines: [
        { account: walletId, amountMinor: -1_000 },
        { account: system('usage_revenue'), amountMinor: 1_000 },
      ],
    });
    await app.publish([usage, rejected]);
    const rows = await settledRows(merchant, 6);
    const bySource = new Map(rows.map((r) => [String(r.source_event_id), String(r.template)]));
    expect(bySource).toEqual(
      new Map([
        [thresholdSourceId(usage.eventId, low), 'balance-below'],
        [rejected.eventId, 'action-rejected'],
        [thresholdSourceId(rejected.eventId, high), 'balance-above'],
      ]),
    );
    expect(rows.every((r) => r.status === 'SENT')).toBe(true);
    expect(textsTo(merchant)).toContain(`paystream: balance USD 100.00 reached your alert threshold of USD 100.00 (wallet ${walletId}).`);
    expect(textsTo(merchant)).toContain(`paystream: balance USD 90.00 is below your alert threshold of USD 200.00 (wallet ${walletId}).`);
    expect([await lastState(low), await lastState(high)]).toEqual(['BELOW', 'ABOVE']);
  });

  it('sends an alert left pending by a transient failure when the batch is retried, once', async () => {
    const merchant = await addMerchant(db.pool, { email: busyAddress });
    const walletId = randomUUID();
    const thresholdId = await addThreshold(merchant, walletId, 0, 'BELOW');
    const overdrawn = walletUpdated(merchant, walletId, { cause: 'USAGE', status: 'HELD', shadowMinor: -100 });
    await app.publish([overdrawn]);
    const rows = await settledRows(merchant, 2);
    expect(rows.map((r): unknown[] => [r.channel, r.status, r.attempts])).toEqual([
      ['EMAIL', 'SENT', 2],
      ['SMS', 'SENT', 1],
    ]);
    expect(busyReplies).toBe(2);
    expect(mailsTo(merchant)).toHaveLength(1);
    expect(mailsTo(merchant)[0]).toContain('Subject: Balance below USD 0.00: USD -1.00');
    expect(textsTo(merchant)).toHaveLength(1);
    expect(rows[0]?.id).toBe(notificationId(thresholdSourceId(overdrawn.eventId, thresholdId), 'EMAIL'));
  });
});
