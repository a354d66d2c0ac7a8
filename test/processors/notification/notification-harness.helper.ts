import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClosableEmailSender } from '../../../integrations/email';
import type { SmsSender } from '../../../integrations/sms';
import { createNotificationProcessor, type NotificationOptions } from '../../../processors/notification';
import { createOutputPublisher, decodeBatch, runProcessor, type DecodedMessage, type Processor } from '../../../processors/runtime';
import { TOPICS, type EventCodec, type NotificationDelivered } from '../../../schemas';
import { createMemoryTransport, type MemoryTransport, type Subscription } from '../../../streams';
import type { Pool } from '../../../storage/mysql';
import { encode, eventually, type Envelope } from '../logger/flow-events.helper';

export interface TestMerchant {
  id: string;
  email: string;
  phone: string;
}

/** An E.164 number unlikely to be used by another test. */
export function uniquePhone(): string {
  return `+1${randomInt(200, 999)}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

export async function addMerchant(pool: Pool, options: { email?: string; name?: string } = {}): Promise<TestMerchant> {
  const merchant = { id: randomUUID(), email: options.email ?? `m-${randomUUID()}@example.org`, phone: uniquePhone() };
  await pool.query(
    'INSERT INTO merchants (id, name, email, phone, default_currency, notify_email, notify_sms, created_at) VALUES (?, ?, ?, ?, ?, 1, 1, ?)',
    [merchant.id, options.name ?? 'Acme Shop', merchant.email, merchant.phone, 'USD', new Date()],
  );
  return merchant;
}

export interface NotificationHarness {
  transport: MemoryTransport;
  processor: Processor;
  /** NotificationDelivered events read from notifications.sent. */
  delivered: Array<DecodedMessage & { type: 'NotificationDelivered' }>;
  deliveredFor(sourceEventId: string): NotificationDelivered[];
  publish(envelopes: ReadonlyArray<Envelope<'WalletUpdated'>>): Promise<void>;
  /** Resolves once every consumer group has consumed everything published. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/** The processor under the runner on a memory transport, its outbox, and a reader of notifications.sent. */
export async function startNotifications(deps: {
  pool: Pool;
  codec: EventCodec;
  logger: Logger;
  email: ClosableEmailSender;
  sms: SmsSender;
  options?: Partial<NotificationOptions>;
}): Promise<NotificationHarness> {
  const { pool, codec, logger } = deps;
  const transport = createMemoryTransport({ partitions: 2 }, { logger });
  const processor = createNotificationProcessor({
    pool,
    publish: createOutputPublisher(transport),
    codec,
    logger,
    email: deps.email,
    sms: deps.sms,
    options: { maxConcurrentSends: 4, ...deps.options },
  });
  const subscriptions: Subscription[] = [];
  subscriptions.push(await runProcessor(processor, { transport, codec, logger, retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 } }));
  const delivered: NotificationHarness['delivered'] = [];
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
    deliveredFor: (sourceEventId) => delivered.map((m) => m.event).filter((e) => e.sourceEventId === sourceEventId),
    async publish(envelopes) {
      await transport.publish(
        TOPICS.walletUpdates,
        envelopes.map((e) => encode(codec, e)),
      );
    },
    async drained() {
      await eventually(async () => (transport.stats().every((t) => t.groups.every((g) => g.lag === 0)) ? true : undefined), 5_000, 'drain');
    },
    async stop() {
      for (const s of subscriptions) await s.close();
      await transport.close();
    },
  };
}
