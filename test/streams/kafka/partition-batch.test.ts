import type { DeliveryContext } from '../../../streams/delivery';
import { DeliveryCounter } from '../../../streams/kafka/delivery-counter';
import { KafkaTransportError } from '../../../streams/kafka/kafka.errors';
import type { BatchControl, PartitionBatchContext } from '../../../streams/kafka/partition-batch';
import { runPartitionBatch } from '../../../streams/kafka/partition-batch';
import type { RawRecord } from '../../../streams/kafka/types';
import type { BatchHandler, IncomingMessage, OutgoingMessage, RetryPolicy } from '../../../streams/types';
import { DLQ_HEADERS } from '../../../streams/types';

/**
 * The chunk, commit and heartbeat decisions of the Kafka adapter, driven through its own port
 * ({@link BatchControl}) with a plain object in place of kafkajs's eachBatch payload.
 */

const TOPIC = 'orders';
const PARTITION = 3;
const GROUP = 'ledger';

/** Records what the runner asks of the consumer, in order, beside what the handler saw. */
class FakeControl implements BatchControl {
  readonly events: string[] = [];
  running = true;
  stale = false;
  heartbeatError: Error | null = null;
  /** Errors for the next commits, in order; a commit without one succeeds. */
  readonly commitErrors: Error[] = [];
  heartbeats = 0;
  private readonly heartbeatWaiters: { count: number; resolve: () => void }[] = [];

  heartbeat(): Promise<void> {
    this.heartbeats += 1;
    this.events.push('heartbeat');
    for (const waiter of this.heartbeatWaiters.filter((w) => w.count <= this.heartbeats)) waiter.resolve();
    return this.heartbeatError === null ? Promise.resolve() : Promise.reject(this.heartbeatError);
  }

  resolveOffset(offset: string): void {
    this.events.push(`resolve:${offset}`);
  }

  commit(next: string): Promise<void> {
    const error = this.commitErrors.shift();
    this.events.push(error === undefined ? `commit:${next}` : `commit:${next}:failed`);
    return error === undefined ? Promise.resolve() : Promise.reject(error);
  }

  isRunning(): boolean {
    return this.running;
  }

  isStale(): boolean {
    return this.stale;
  }

  /** Resolves once `count` heartbeats were sent. */
  heartbeatsReached(count: number): Promise<void> {
    if (this.heartbeats >= count) return Promise.resolve();
    return new Promise((resolve) => this.heartbeatWaiters.push({ count, resolve }));
  }

  /** Everything but heartbeats, whose number depends on timing. */
  steps(): string[] {
    return this.events.filter((event) => event !== 'heartbeat');
  }
}

interface Harness {
  control: FakeControl;
  ctx: PartitionBatchContext;
  stopping: AbortController;
  crashed: AbortController;
  deadLetters: OutgoingMessage[];
  reports: { err: unknown; what: string }[];
}

function harness(
  handler: BatchHandler,
  options: { maxBatchSize?: number; heartbeatIntervalMs?: number; policy?: Partial<RetryPolicy>; attempts?: DeliveryCounter; publishDeadLetters?: DeliveryContext['publishDeadLetters'] } = {},
): Harness {
  const control = new FakeControl();
  const stopping = new AbortController();
  const crashed = new AbortController();
  const deadLetters: OutgoingMessage[] = [];
  const reports: { err: unknown; what: string }[] = [];
  const delivery: DeliveryContext = {
    policy: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5, ...options.policy },
    group: GROUP,
    handler: async (batch) => {
      control.events.push(`handle:${batch.map((m) => m.position).join(',')}`);
      await handler(batch);
    },
    publishDeadLetters:
      options.publishDeadLetters ??
      (async (_topic, messages) => {
        deadLetters.push(...messages);
      }),
    signal: stopping.signal,
  };
  const ctx: PartitionBatchContext = {
    topic: TOPIC,
    partition: PARTITION,
    maxBatchSize: options.maxBatchSize ?? 3,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 60_000,
    delivery,
    attempts: options.attempts ?? new DeliveryCounter(),
    crashed: crashed.signal,
    report: (err, what) => reports.push({ err, what }),
  };
  return { control, ctx, stopping, crashed, deadLetters, reports };
}

function headers(offset: number): Record<string, string> {
  return { eventId: `e-${offset}`, eventType: 'TestEvent', correlationId: 'c', causationId: `e-${offset}`, producedAt: '2024-01-01T00:00:00.000Z' };
}

/** Records at `from`, `from + 1`, …, as kafkajs hands them over (header values as Buffers). */
function records(from: number, count: number): RawRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = from + i;
    const byName = Object.entries(headers(offset)).map(([name, value]) => [name, Buffer.from(value)] as const);
    return { offset: String(offset), key: Buffer.from(`key-${offset % 2}`), value: Buffer.from(`value-${offset}`), headers: Object.fromEntries(byName) };
  });
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const rebalancing = (): KafkaTransportError => new KafkaTransportError('KAFKA_REBALANCING', 'the group is rebalancing');

describe('kafka partition batch runner', () => {
  it('splits a batch into chunks of maxBatchSize in order and commits each chunk’s last offset + 1 after its handler resolved', async () => {
    const seen: IncomingMessage[][] = [];
    const { control, ctx } = harness(async (batch) => {
      seen.push([...batch]);
    });

    const result = await runPartitionBatch(records(10, 7), control, ctx);

    expect(result).toEqual({ outcome: 'done', handled: 7, committed: '17' });
    expect(control.steps()).toEqual(['handle:10,11,12', 'resolve:12', 'commit:13', 'handle:13,14,15', 'resolve:15', 'commit:16', 'handle:16', 'resolve:16', 'commit:17']);
    const first = seen[0]?.[0];
    expect(first).toEqual({
      key: 'key-0',
      value: Buffer.from('value-10'),
      headers: headers(10),
      topic: TOPIC,
      partition: PARTITION,
      position: '10',
      attempt: 1,
    });
    // Committed records leave no delivery counts behind.
    expect(ctx.attempts.size).toBe(0);
  });

  it('commits nothing while the handler has not resolved', async () => {
    const gate = deferred();
    const started = deferred();
    const { control, ctx } = harness(async () => {
      started.resolve();
      await gate.promise;
    });

    const running = runPartitionBatch(records(0, 2), control, ctx);
    await started.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(control.steps()).toEqual(['handle:0,1']);

    gate.resolve();
    await expect(running).resolves.toEqual({ outcome: 'done', handled: 2, committed: '2' });
    expect(control.steps()).toEqual(['handle:0,1', 'resolve:1', 'commit:2']);
  });

  it('heartbeats from a timer while a long chunk runs, and stops heartbeating when the batch ends', async () => {
    let control: FakeControl | null = null;
    // The handler finishes only once three heartbeats went out during it.
    const h = harness(async () => (control as FakeControl).heartbeatsReached(3), { heartbeatIntervalMs: 5 });
    control = h.control;

    await expect(runPartitionBatch(records(0, 1), h.control, h.ctx)).resolves.toMatchObject({ outcome: 'done' });
    const after = h.control.heartbeats;
    expect(after).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(h.control.heartbeats).toBe(after);
  });

  it('stops before the next chunk once the consumer stops, leaving the rest uncommitted', async () => {
    let control: FakeControl | null = null;
    const h = harness(async () => {
      (control as FakeControl).running = false;
    });
    control = h.control;

    await expect(runPartitionBatch(records(0, 6), h.control, h.ctx)).resolves.toEqual({ outcome: 'stopping', handled: 3, committed: '3' });
    expect(h.control.steps()).toEqual(['handle:0,1,2', 'resolve:2', 'commit:3']);
  });

  it('on close, a chunk waiting for a retry stays unacknowledged and comes back with a higher attempt', async () => {
    const attempts = new DeliveryCounter();
    const calls: IncomingMessage[][] = [];
    let fail = true;
    let h: Harness | null = null;
    h = harness(
      async (batch) => {
        calls.push([...batch]);
        if (!fail) return;
        // The retry now waits out a long backoff: closing (the delivery signal) ends it.
        queueMicrotask(() => h?.stopping.abort());
        throw new Error('database unavailable');
      },
      { attempts, policy: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 } },
    );

    await expect(runPartitionBatch(records(0, 2), h.control, h.ctx)).resolves.toEqual({ outcome: 'stopping', handled: 0, committed: null });
    expect(h.control.steps().filter((step) => !step.startsWith('handle'))).toEqual([]);

    // The redelivery (the next fetch, or another member of this process) sees the second delivery.
    fail = false;
    const again = harness(async (batch) => void calls.push([...batch]), { attempts });
    await expect(runPartitionBatch(records(0, 2), again.control, again.ctx)).resolves.toMatchObject({ outcome: 'done', committed: '2' });
    expect(calls.at(-1)?.map((m) => m.attempt)).toEqual([2, 2]);
    expect(attempts.size).toBe(0);
  });

  it('ends the batch after the chunk in flight when a heartbeat meets a rebalance, committing that chunk', async () => {
    let control: FakeControl | null = null;
    const h = harness(async () => (control as FakeControl).heartbeatsReached(1), { heartbeatIntervalMs: 5 });
    control = h.control;
    h.control.heartbeatError = rebalancing();

    await expect(runPartitionBatch(records(0, 9), h.control, h.ctx)).resolves.toEqual({ outcome: 'rebalancing', handled: 3, committed: '3' });
    expect(h.control.steps()).toEqual(['handle:0,1,2', 'resolve:2', 'commit:3']);
    expect(h.reports).toEqual([]);
  });

  it('reports a heartbeat that fails for another reason and carries on', async () => {
    let control: FakeControl | null = null;
    const h = harness(async () => (control as FakeControl).heartbeatsReached(1), { heartbeatIntervalMs: 5, maxBatchSize: 10 });
    control = h.control;
    h.control.heartbeatError = new KafkaTransportError('KAFKA_BACKGROUND_FAILURE', 'request timed out');

    await expect(runPartitionBatch(records(0, 2), h.control, h.ctx)).resolves.toEqual({ outcome: 'done', handled: 2, committed: '2' });
    expect(h.reports.length).toBeGreaterThan(0);
    expect(h.reports[0]?.err).toBe(h.control.heartbeatError);
  });

  it('on abort, drops the chunk in flight: nothing resolved or committed, even when the handler finishes later', async () => {
    const gate = deferred();
    const started = deferred();
    let calls = 0;
    const h = harness(async () => {
      calls += 1;
      started.resolve();
      await gate.promise;
    });

    const running = runPartitionBatch(records(0, 6), h.control, h.ctx);
    await started.promise;
    h.crashed.abort();
    h.stopping.abort();
    await expect(running).resolves.toEqual({ outcome: 'aborted', handled: 0, committed: null });

    gate.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(1);
    expect(h.control.steps()).toEqual(['handle:0,1,2']);
    // The records count as delivered once: a takeover in this process sees attempt 2.
    expect(h.ctx.attempts.deliveries(GROUP, TOPIC, PARTITION, '0')).toBe(1);
  });

  it('leaves a chunk unresolved and pauses when its delivery fails (the dead-letter topic is down)', async () => {
    const down = new Error('dead-letter topic unavailable');
    const h = harness(
      async () => {
        throw Object.assign(new Error('malformed'), { retryable: false });
      },
      {
        policy: { initialBackoffMs: 1, maxBackoffMs: 20 },
        publishDeadLetters: () => Promise.reject(down),
      },
    );

    const started = performance.now();
    await expect(runPartitionBatch(records(0, 1), h.control, h.ctx)).resolves.toEqual({ outcome: 'failed', handled: 0, committed: null });
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(h.control.steps()).toEqual(['handle:0']);
    expect(h.reports.map((r) => r.err)).toEqual([down]);
  });

  it('retries a failed commit, then counts it', async () => {
    const h = harness(async () => undefined);
    h.control.commitErrors.push(new KafkaTransportError('KAFKA_COMMIT_FAILED', 'coordinator moved'));

    await expect(runPartitionBatch(records(5, 2), h.control, h.ctx)).resolves.toEqual({ outcome: 'done', handled: 2, committed: '7' });
    expect(h.control.steps()).toEqual(['handle:5,6', 'resolve:6', 'commit:7:failed', 'commit:7']);
  });

  it('does not retry a commit refused for a rebalance and ends the batch; the chunk stays resolved', async () => {
    const h = harness(async () => undefined);
    h.control.commitErrors.push(rebalancing());

    await expect(runPartitionBatch(records(0, 6), h.control, h.ctx)).resolves.toEqual({ outcome: 'rebalancing', handled: 3, committed: null });
    expect(h.control.steps()).toEqual(['handle:0,1,2', 'resolve:2', 'commit:3:failed']);
    expect(h.reports).toHaveLength(1);
  });

  it('stops at once on a stale batch (its position was moved)', async () => {
    const h = harness(async () => undefined);
    h.control.stale = true;

    await expect(runPartitionBatch(records(0, 3), h.control, h.ctx)).resolves.toEqual({ outcome: 'stale', handled: 0, committed: null });
    expect(h.control.events).toEqual([]);
  });

  it('dead-letters records the port cannot carry, with their source, and delivers the rest in order', async () => {
    const seen: IncomingMessage[] = [];
    const h = harness(async (batch) => void seen.push(...batch), { maxBatchSize: 10 });
    const [good, noKey, tombstone, noHeaders, good2] = records(20, 5) as [RawRecord, RawRecord, RawRecord, RawRecord, RawRecord];
    const batch: RawRecord[] = [good, { ...noKey, key: null }, { ...tombstone, value: null }, { ...noHeaders, headers: { eventId: Buffer.from('only-id') } }, good2];

    await expect(runPartitionBatch(batch, h.control, h.ctx)).resolves.toEqual({ outcome: 'done', handled: 5, committed: '25' });
    expect(seen.map((m) => m.position)).toEqual(['20', '24']);
    expect(h.deadLetters.map((m) => [m.headers[DLQ_HEADERS.sourcePosition], m.headers[DLQ_HEADERS.errorCode], m.headers[DLQ_HEADERS.error]])).toEqual([
      ['21', 'KAFKA_MALFORMED_RECORD', 'malformed record: record has no key'],
      ['22', 'KAFKA_MALFORMED_RECORD', 'malformed record: record has no value (tombstone)'],
      ['23', 'KAFKA_MALFORMED_RECORD', 'malformed record: record lacks header(s) eventType, correlationId, causationId, producedAt'],
    ]);
    const lacking = h.deadLetters[2];
    expect(lacking?.headers).toMatchObject({ eventId: 'only-id', [DLQ_HEADERS.sourceTopic]: TOPIC, [DLQ_HEADERS.sourcePartition]: String(PARTITION), [DLQ_HEADERS.group]: GROUP, [DLQ_HEADERS.attempts]: '0' });
    expect(lacking?.value).toEqual(Buffer.from('value-23'));
  });

  it('runs retries and dead-lettering through the shared runner, with the attempts it counts', async () => {
    const attempts: number[] = [];
    const h = harness(
      async (batch) => {
        for (const message of batch) if (message.position === '1') attempts.push(message.attempt);
        if (batch.some((message) => message.position === '1')) throw new Error('poison');
      },
      { policy: { maxAttempts: 3 } },
    );

    await expect(runPartitionBatch(records(0, 3), h.control, h.ctx)).resolves.toEqual({ outcome: 'done', handled: 3, committed: '3' });
    // Once in the whole batch, then alone: 1, then retries 2 and 3.
    expect(attempts).toEqual([1, 1, 2, 3]);
    expect(h.deadLetters.map((m) => [m.headers.eventId, m.headers[DLQ_HEADERS.attempts], m.headers[DLQ_HEADERS.sourcePosition]])).toEqual([['e-1', '3', '1']]);
  });

  it('does nothing for an empty batch', async () => {
    const h = harness(async () => undefined);
    await expect(runPartitionBatch([], h.control, h.ctx)).resolves.toEqual({ outcome: 'done', handled: 0, committed: null });
    expect(h.control.events).toEqual([]);
  });
});
