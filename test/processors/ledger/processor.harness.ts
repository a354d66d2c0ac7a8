/**
 * Shared by the payment and ledger tests: a fresh MariaDB database, a memory transport, observers that
 * collect what processors publish, and cleanup. Each harness isolates itself (random database, its own
 * transport, random observer groups).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createOutputPublisher, runProcessor, type Processor, type PublishOutputs } from '../../../processors/runtime';
import { createEventCodec, toMessage, type EventCodec, type EventEnvelope, type EventMap, type EventType } from '../../../schemas';
import { createMemoryTransport, type IncomingMessage, type MemoryTransport, type RetryPolicy, type Subscription } from '../../../streams';
import type { Pool } from '../../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

export { createTestDatabase, type TestDatabase };

export const silentLogger = pino({ level: 'silent' });

/** Decoded once per file; the codec is stateless. */
export const codec: EventCodec = createEventCodec();

/** Collects every message of one topic under its own consumer group. */
export class Observer {
  readonly messages: IncomingMessage[] = [];

  constructor(readonly topic: string) {}

  /** Decoded events of `type`, in arrival order. */
  events<K extends EventType>(type: K): { event: EventMap[K]; message: IncomingMessage }[] {
    const out: { event: EventMap[K]; message: IncomingMessage }[] = [];
    for (const message of this.messages) {
      if (message.headers.eventType !== type) continue;
      out.push({ event: codec.decodeAs(type, message.value), message });
    }
    return out;
  }

  /** Waits until at least `count` messages arrived. */
  async waitForCount(count: number, timeoutMs = 10_000): Promise<void> {
    await waitUntil(() => this.messages.length >= count, `${count} messages on ${this.topic} (have ${this.messages.length})`, timeoutMs);
  }
}

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 8, initialBackoffMs: 5, maxBackoffMs: 40 };

export interface Harness {
  db: TestDatabase;
  pool: Pool;
  transport: MemoryTransport;
  /** Starts observing `topic` (do it before publishing: the memory transport drops what every group acknowledged). */
  observe(topic: string): Promise<Observer>;
  /** Publishes processors' committed outputs on the transport. */
  publishOutputs: PublishOutputs;
  /** Runs `processor` on the transport under its own group; closed by {@link Harness.close}. */
  run(processor: Processor, options?: { maxBatchSize?: number; retry?: Partial<RetryPolicy> }): Promise<Subscription>;
  /** Publishes events as the upstream stage would. */
  publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void>;
  /** Waits until `group` has acknowledged everything published to `topic`. */
  drained(group: string, topic: string, timeoutMs?: number): Promise<void>;
  /** Waits until every group on `topic` (observers included) has acknowledged everything published to it. */
  drainedAll(topic: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Tables the payment and ledger processors write; emptied when a harness reuses a database. */
const PROCESSOR_TABLES = ['accounts', 'ledger_transactions', 'ledger_entries', 'payments', 'inbox', 'outbox', 'wallet_actions', 'merchants'] as const;

/**
 * A harness on a fresh transport. With `db` (shared by a file, from `createTestDatabase()` in
 * `beforeAll`), it empties the processors' tables first and leaves dropping the database to the
 * caller; without, it creates a database and drops it on close.
 */
export async function createHarness(options: { partitions?: number; db?: TestDatabase } = {}): Promise<Harness> {
  const owned = options.db === undefined;
  const db = options.db ?? (await createTestDatabase());
  if (!owned) for (const table of PROCESSOR_TABLES) await db.pool.query(`DELETE FROM ${table}`);
  const transport = createMemoryTransport({ partitions: options.partitions ?? 4, visibilityTimeoutMs: 200 }, { logger: silentLogger });
  const subscriptions: Subscription[] = [];
  return {
    db,
    pool: db.pool,
    transport,
    async observe(topic) {
      const observer = new Observer(topic);
      await transport.ensureTopics([topic]);
      subscriptions.push(
        await transport.subscribe({
          topics: [topic],
          group: `observer-${randomUUID()}`,
          handler: async (batch) => {
            observer.messages.push(...batch);
          },
        }),
      );
      return observer;
    },
    publishOutputs: createOutputPublisher(transport),
    async run(processor, runOptions = {}) {
      const subscription = await runProcessor(processor, {
        transport,
        codec,
        logger: silentLogger,
        retry: runOptions.retry ?? FAST_RETRY,
        ...(runOptions.maxBatchSize === undefined ? {} : { maxBatchSize: runOptions.maxBatchSize }),
      });
      subscriptions.push(subscription);
      return subscription;
    },
    async publish(topic, envelopes) {
      await transport.ensureTopics([topic]);
      await transport.publish(
        topic,
        envelopes.map((e) => toMessage(codec, e)),
      );
    },
    async drained(group, topic, timeoutMs = 10_000) {
      await waitUntil(
        () => {
          const stats = transport.stats().find((t) => t.topic === topic);
          const groupStats = stats?.groups.find((g) => g.group === group);
          return groupStats !== undefined && groupStats.lag === 0;
        },
        `group ${group} to drain ${topic}`,
        timeoutMs,
      );
    },
    async drainedAll(topic, timeoutMs = 10_000) {
      await waitUntil(
        () => (transport.stats().find((t) => t.topic === topic)?.groups ?? []).every((g) => g.lag === 0),
        `every group to drain ${topic}`,
        timeoutMs,
      );
    },
    async close() {
      for (const subscription of subscriptions.splice(0)) await subscription.close();
      await transport.close();
      if (owned) await db.drop();
    },
  };
}

/** Rows of a SELECT as plain records. */
export async function rows(pool: Pool, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const [result] = await pool.query(sql, params);
  if (!Array.isArray(result)) throw new Error('expected rows');
  return result as Record<string, unknown>[];
}
