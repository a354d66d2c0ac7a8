import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTransport } from '../../../streams';
import type { RedisTransportOptions } from '../../../streams/redis';
import { createRedisTransport } from '../../../streams/redis';
import type { MessageHeaders, OutgoingMessage, Transport } from '../../../streams/types';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fast timings so takeovers happen within a test's few seconds. */
export const FAST = { visibilityTimeoutMs: 1_000, heartbeatMs: 100, blockMs: 500 } as const;

/**
 * One test's Redis world: a random key prefix, transports that record their background errors, a plain
 * client for looking inside, and `cleanup()` that closes everything and deletes the prefix's keys.
 */
export class RedisTestEnv {
  readonly prefix = `test-${randomUUID()}`;
  readonly admin = new Redis(REDIS_URL);
  readonly errors: Error[] = [];
  private readonly transports: Transport[] = [];

  transport(overrides: Partial<RedisTransportOptions> = {}): Transport {
    const transport = createRedisTransport({ url: REDIS_URL, prefix: this.prefix, ...FAST, onError: (err) => this.errors.push(err), ...overrides });
    this.transports.push(transport);
    return transport;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
    await deleteKeys(this.admin, this.prefix);
    await this.admin.quit();
  }
}

export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

export function headers(eventId: string, extra: Record<string, string> = {}): MessageHeaders {
  return { eventId, eventType: 'TestEvent', correlationId: 'corr', causationId: eventId, producedAt: new Date(0).toISOString(), ...extra };
}

export function message(key: string, seq: number): OutgoingMessage {
  return { key, value: Buffer.from(`${key}#${seq}`), headers: headers(`${key}-${seq}`) };
}

/** Resolves once `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * For the shared conformance suite: a Redis transport (built through `createTransport`) on a fresh key
 * prefix, with fast timings, whose keys are deleted when it closes. Background errors are printed: the
 * suite injects no faults, so any is worth seeing.
 */
export async function createConformanceRedisTransport(): Promise<Transport> {
  const prefix = `conformance-${randomUUID()}`;
  const transport = await createTransport(
    { name: 'redis', url: REDIS_URL, prefix, partitions: 4, ...FAST, onError: (err) => console.warn(`redis transport (${prefix}): ${err.message}`) },
    { logger: pino({ level: 'silent' }) },
  );
  return {
    name: transport.name,
    ensureTopics: (topics) => transport.ensureTopics(topics),
    publish: (topic, messages) => transport.publish(topic, messages),
    subscribe: (options) => transport.subscribe(options),
    async close() {
      await transport.close();
      const admin = new Redis(REDIS_URL);
      try {
        await deleteKeys(admin, prefix);
      } finally {
        await admin.quit();
      }
    },
  };
}
