import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { IncomingMessage, MessageHeaders, OutgoingMessage, Transport } from '../../streams';
import { createTransport } from '../../streams';
import { kafkaConformanceFactory } from './kafka/kafka-test-env';
import { FAST, createConformanceRedisTransport } from './redis/redis-test-env';
import { realPulsarConformanceFactory } from './pulsar/pulsar-test-env';

/** An adapter the conformance suite runs against. */
export interface TransportFactory {
  name: string;
  /** False when the engine is not reachable here; the suite is then skipped, saying why. */
  available: boolean;
  skipReason?: string;
  /** The adapter's visibility timeout as configured in {@link create}: how long a takeover may take. */
  visibilityTimeoutMs: number;
  create(): Promise<Transport>;
}

export const silentLogger = pino({ level: 'silent' });

/** Adding an adapter to the conformance suite is one entry here. */
export const transportFactories: TransportFactory[] = [
  { name: 'memory', available: true, visibilityTimeoutMs: 200, create: () => createTransport({ name: 'memory', partitions: 4, visibilityTimeoutMs: 200 }, { logger: silentLogger }) },
  { name: 'redis', available: true, visibilityTimeoutMs: FAST.visibilityTimeoutMs, create: () => createConformanceRedisTransport() },
  // A real broker only: skipped (saying so) unless PULSAR_URL is set.
  realPulsarConformanceFactory(),
  // A real broker only: skipped (saying so) unless KAFKA_BROKERS is set.
  kafkaConformanceFactory(),
];

/** A name no other test (or earlier run) uses: topics, groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * Registers `afterEach` cleanup for the calling `describe` and returns helpers that use it:
 * transports made by `transport()` are closed after each test, `defer` callbacks run first (last in, first out).
 */
export function useCleanup(): { defer(cleanup: () => unknown): void; transport(factory: TransportFactory): Promise<Transport> } {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  });
  const defer = (cleanup: () => unknown): void => {
    cleanups.push(cleanup);
  };
  return {
    defer,
    async transport(factory) {
      const transport = await factory.create();
      defer(() => transport.close());
      return transport;
    },
  };
}

/** A message with every required header; `seq` is carried in the value and in a header. */
export function testMessage(key: string, seq: number, extraHeaders: Record<string, string> = {}): OutgoingMessage {
  const eventId = `${key}:${seq}`;
  const headers: MessageHeaders = {
    eventId,
    eventType: 'TestEvent',
    correlationId: key,
    causationId: eventId,
    producedAt: new Date().toISOString(),
    seq: String(seq),
    ...extraHeaders,
  };
  return { key, value: Buffer.from(JSON.stringify({ key, seq })), headers };
}

export function seqOf(message: IncomingMessage): number {
  return Number(message.headers.seq);
}

/** A promise with its resolve function outside, for handlers a test holds and releases. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Collects what a handler receives and lets a test wait for a condition on it, woken by each
 * arrival (no polling). `waitFor` fails with `what` and the count so far after `timeoutMs`.
 */
export class Inbox {
  readonly messages: IncomingMessage[] = [];
  readonly batches: (readonly IncomingMessage[])[] = [];
  private readonly waiters = new Set<() => void>();

  add(batch: readonly IncomingMessage[]): void {
    this.batches.push(batch);
    this.messages.push(...batch);
    for (const waiter of [...this.waiters]) waiter();
  }

  eventIds(): string[] {
    return this.messages.map((message) => message.headers.eventId);
  }

  async waitFor(what: string, done: (inbox: Inbox) => boolean, timeoutMs = 5000): Promise<void> {
    if (done(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done(this)) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.messages.length} messages received)`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Like {@link waitFor}, but resolves false instead of failing when the time is up. */
  async reached(done: (inbox: Inbox) => boolean, timeoutMs: number): Promise<boolean> {
    try {
      await this.waitFor('a condition', done, timeoutMs);
      return true;
    } catch {
      return done(this);
    }
  }

  /** Waits until `count` distinct event ids have arrived. */
  waitForDistinct(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(`${count} distinct messages`, (inbox) => new Set(inbox.eventIds()).size >= count, timeoutMs);
  }
}

/** Resolves after `ms`; for giving an adapter the chance to do something it must not do. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`'s value, or `'timed out'` after `ms` (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts of each item. */
export function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
