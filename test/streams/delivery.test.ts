import type { DeliveryContext } from '../../streams/delivery';
import { backoffMs, DEFAULT_RETRY_POLICY, deliver, DeliveryStoppedError, isRetryable, resolvePolicy } from '../../streams/delivery';
import type { BatchHandler, IncomingMessage, OutgoingMessage, RetryPolicy } from '../../streams/types';
import { DLQ_HEADERS } from '../../streams/types';
import { within } from './helpers';

/** Unit tests of the shared runner, with a fake handler and a fake dead-letter publisher (our own port). */

const FAST: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 4 };

function message(seq: number, attempt = 1): IncomingMessage {
  return {
    key: `key-${seq % 2}`,
    value: Buffer.from([seq, 0, 255]),
    headers: { eventId: `e-${seq}`, eventType: 'TestEvent', correlationId: 'c', causationId: `e-${seq}`, producedAt: '2024-05-01T00:00:00.000Z', custom: `v${seq}` },
    topic: 'orders.submitted',
    partition: 3,
    position: `${100 + seq}`,
    attempt,
  };
}

class Failure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'Failure';
  }
}

/** A context whose handler records each call as `seq@attempt` lists. */
function harness(fail: (m: IncomingMessage, batchSize: number) => unknown, policy: RetryPolicy = FAST) {
  const calls: string[][] = [];
  const deadLetters: { topic: string; message: OutgoingMessage }[] = [];
  const controller = new AbortController();
  const handler: BatchHandler = async (batch) => {
    calls.push(batch.map((m) => `${m.headers.eventId}@${m.attempt}`));
    for (const m of batch) {
      const error = fail(m, batch.length);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the runner must cope with whatever a handler throws
      if (error !== undefined) throw error;
    }
  };
  const ctx: DeliveryContext = {
    policy,
    group: 'ledger',
    handler,
    publishDeadLetters: async (topic, messages) => {
      for (const m of messages) deadLetters.push({ topic, message: m });
    },
    signal: controller.signal,
  };
  return { ctx, calls, deadLetters, controller };
}

describe('deliver', () => {
  it('hands a batch to the handler whole when it succeeds', async () => {
    const { ctx, calls, deadLetters } = harness(() => undefined);
    await deliver([message(1), message(2), message(3)], ctx);
    expect(calls).toEqual([['e-1@1', 'e-2@1', 'e-3@1']]);
    expect(deadLetters).toEqual([]);
  });

  it('does nothing for an empty batch', async () => {
    const { ctx, calls } = harness(() => undefined);
    await deliver([], ctx);
    expect(calls).toEqual([]);
  });

  it('after a batch failure handles messages one at a time, in order, retrying the one at fault', async () => {
    let failures = 0;
    const { ctx, calls, deadLetters } = harness((m) => {
      if (m.headers.eventId === 'e-2' && failures < 2) {
        failures += 1;
        return new Failure('flaky', 'FLAKY', true);
      }
      return undefined;
    });
    await deliver([message(1), message(2), message(3)], ctx);
    expect(calls).toEqual([['e-1@1', 'e-2@1', 'e-3@1'], ['e-1@1'], ['e-2@1'], ['e-2@2'], ['e-3@1']]);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a message still failing at maxAttempts, with its bytes, headers, error and source', async () => {
    const { ctx, calls, deadLetters } = harness((m) => (m.headers.eventId === 'e-2' ? new Failure('card vault unreachable', 'VAULT_DOWN', true) : undefined));
    const batch = [message(1), message(2), message(3)];
    await deliver(batch, ctx);
    expect(calls).toEqual([['e-1@1', 'e-2@1', 'e-3@1'], ['e-1@1'], ['e-2@1'], ['e-2@2'], ['e-2@3'], ['e-3@1']]);
    expect(deadLetters).toHaveLength(1);
    const [dead] = deadLetters;
    const original = batch[1] as IncomingMessage;
    expect(dead?.topic).toBe('orders.submitted.dlq');
    expect(dead?.message.key).toBe(original.key);
    expect(dead?.message.value.equals(original.value)).toBe(true);
    expect(dead?.message.headers).toEqual({
      ...original.headers,
      [DLQ_HEADERS.error]: 'Failure: card vault unreachable',
      [DLQ_HEADERS.errorCode]: 'VAULT_DOWN',
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.sourceTopic]: 'orders.submitted',
      [DLQ_HEADERS.sourcePartition]: '3',
      [DLQ_HEADERS.sourcePosition]: '102',
      [DLQ_HEADERS.group]: 'ledger',
      [DLQ_HEADERS.failedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
    });
  });

  it('dead-letters a non-retryable failure after one attempt', async () => {
    const { ctx, calls, deadLetters } = harness((m) => (m.headers.eventId === 'e-1' ? new Failure('undecodable', 'DECODE', false) : undefined));
    await deliver([message(1)], ctx);
    expect(calls).toEqual([['e-1@1']]);
    expect(deadLetters.map((d) => [d.message.headers[DLQ_HEADERS.errorCode], d.message.headers[DLQ_HEADERS.attempts]])).toEqual([['DECODE', '1']]);
  });

  it('retries up to the limit from a redelivered attempt, not from 1', async () => {
    const { ctx, calls, deadLetters } = harness(() => new Error('still down'));
    await deliver([message(1, 2)], ctx);
    expect(calls).toEqual([['e-1@2'], ['e-1@3']]);
    expect(deadLetters.map((d) => d.message.headers[DLQ_HEADERS.attempts])).toEqual(['3']);
  });

  it('dead-letters messages redelivered beyond maxAttempts without calling the handler, and handles the rest singly', async () => {
    const { ctx, calls, deadLetters } = harness(() => undefined);
    await deliver([message(1), message(2, 4), message(3, 2)], ctx);
    expect(calls).toEqual([['e-1@1'], ['e-3@2']]);
    expect(deadLetters.map((d) => [d.message.headers.eventId, d.message.headers[DLQ_HEADERS.attempts], d.message.headers[DLQ_HEADERS.error]])).toEqual([
      ['e-2', '3', 'Error: redelivered beyond the retry limit'],
    ]);
  });

  it.each<[string, unknown, string, string]>([
    ['an Error without a code', new TypeError('bad field'), 'TypeError', 'TypeError: bad field'],
    ['a thrown string', 'plain text', 'UNKNOWN', 'plain text'],
    ['a null-prototype object', Object.create(null) as object, 'UNKNOWN', 'unprintable object thrown'],
    ['an object with a code', { code: 'E_CUSTOM', retryable: false, toString: () => 'custom' }, 'E_CUSTOM', 'custom'],
  ])('describes %s in the dead letter', async (_what, thrown, code, text) => {
    const { ctx, deadLetters } = harness(() => thrown, { ...FAST, maxAttempts: 1 });
    await deliver([message(1)], ctx);
    expect(deadLetters.map((d) => [d.message.headers[DLQ_HEADERS.errorCode], d.message.headers[DLQ_HEADERS.error]])).toEqual([[code, text]]);
  });

  it('truncates a long error text', async () => {
    const { ctx, deadLetters } = harness(() => new Failure('x'.repeat(5000), 'LONG', false));
    await deliver([message(1)], ctx);
    const text = deadLetters[0]?.message.headers[DLQ_HEADERS.error] ?? '';
    expect(text).toHaveLength(2001);
    expect(text.endsWith('…')).toBe(true);
  });

  it('refuses to start once stopped', async () => {
    const { ctx, calls, controller } = harness(() => undefined);
    controller.abort();
    await expect(deliver([message(1)], ctx)).rejects.toBeInstanceOf(DeliveryStoppedError);
    expect(calls).toEqual([]);
  });

  it('ends a pending backoff when stopped, dead-lettering nothing', async () => {
    const { ctx, calls, deadLetters, controller } = harness(() => new Error('down'), { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    const delivery = deliver([message(1)], ctx);
    controller.abort();
    const outcome = await within(
      delivery.then(
        () => 'resolved',
        (err: unknown) => err,
      ),
      2000,
    );
    expect(outcome).toBeInstanceOf(DeliveryStoppedError);
    expect(outcome).toMatchObject({ code: 'DELIVERY_STOPPED', retryable: true });
    expect(calls).toEqual([['e-1@1']]);
    expect(deadLetters).toEqual([]);
  });

  it('lets a handler that was already running finish after a stop, so a closing adapter can acknowledge it', async () => {
    const { ctx, controller } = harness(() => undefined);
    let release: () => void = () => undefined;
    ctx.handler = () =>
      new Promise<void>((resolve) => {
        release = resolve;
      });
    const delivery = deliver([message(1), message(2)], ctx);
    controller.abort();
    release();
    await expect(delivery).resolves.toBeUndefined();
  });

  it('stops between single messages once stopped, leaving the batch unacknowledged', async () => {
    const { ctx, calls, controller } = harness((m, size) => {
      if (size > 1) return new Error('batch fails');
      if (m.headers.eventId === 'e-1') controller.abort();
      return undefined;
    });
    await expect(deliver([message(1), message(2)], ctx)).rejects.toBeInstanceOf(DeliveryStoppedError);
    expect(calls).toEqual([['e-1@1', 'e-2@1'], ['e-1@1']]);
  });

  it('fails when the dead letter cannot be published, so the adapter does not acknowledge', async () => {
    const { ctx } = harness(() => new Failure('bad', 'BAD', false));
    ctx.publishDeadLetters = () => Promise.reject(new Error('broker down'));
    await expect(deliver([message(1)], ctx)).rejects.toThrow('broker down');
  });
});

describe('retry policy', () => {
  it('fills in defaults', () => {
    expect(resolvePolicy(undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolvePolicy({ maxAttempts: 2 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });

  it.each<[Partial<RetryPolicy>, RegExp]>([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
    [{ initialBackoffMs: -1 }, /initialBackoffMs/],
    [{ initialBackoffMs: Number.NaN }, /initialBackoffMs/],
    [{ maxBackoffMs: Number.POSITIVE_INFINITY }, /maxBackoffMs/],
    [{ maxBackoffMs: 2 ** 31 }, /maxBackoffMs/],
  ])('rejects %j', (partial, name) => {
    expect(() => resolvePolicy(partial)).toThrow(RangeError);
    expect(() => resolvePolicy(partial)).toThrow(name);
  });

  it('backs off exponentially with jitter in [base/2, base], capped at maxBackoffMs', () => {
    const policy: RetryPolicy = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000 };
    const bases = [100, 200, 400, 800, 1000, 1000];
    bases.forEach((base, i) => {
      for (let sample = 0; sample < 200; sample += 1) {
        const delay = backoffMs(i + 1, policy);
        expect(delay).toBeGreaterThanOrEqual(base / 2);
        expect(delay).toBeLessThanOrEqual(base);
      }
    });
  });

  it('treats only retryable === false as non-retryable', () => {
    expect(isRetryable(new Error('x'))).toBe(true);
    expect(isRetryable({ retryable: true })).toBe(true);
    expect(isRetryable({ retryable: 'false' })).toBe(true);
    expect(isRetryable(null)).toBe(true);
    expect(isRetryable('text')).toBe(true);
    expect(isRetryable(new Failure('x', 'X', false))).toBe(false);
    expect(isRetryable(new DeliveryStoppedError())).toBe(true);
  });
});
