import type { DeliveryContext } from '../delivery';
import { deliver, DeliveryStoppedError } from '../delivery';
import type { IncomingMessage, OutgoingMessage } from '../types';
import { DLQ_HEADERS, dlqTopic } from '../types';
import type { DeliveryCounter } from './delivery-counter';
import { isKafkaTransportError } from './kafka.errors';
import { fromRecord } from './record.codec';
import type { RawRecord } from './types';

/**
 * What the batch runner needs of the consumer: kafkajs's `eachBatch` payload seen through our own port,
 * so the commit, heartbeat and chunking decisions can be driven by a plain object in tests.
 */
export interface BatchControl {
  /** Heartbeats if one is due; rejects with a `KAFKA_REBALANCING` error while the group rebalances. */
  heartbeat(): Promise<void>;
  /** Marks `offset` handled: this consumer's next fetch of the partition starts after it. */
  resolveOffset(offset: string): void;
  /** Commits `next` (the offset after the last handled record) for the partition; `KAFKA_REBALANCING` when the group moved on. */
  commit(next: string): Promise<void>;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True once the partition's position was moved elsewhere: the rest of the batch is stale. */
  isStale(): boolean;
}

export interface PartitionBatchContext {
  topic: string;
  partition: number;
  maxBatchSize: number;
  heartbeatIntervalMs: number;
  /** The shared runner's context; its signal is aborted when the subscription closes or aborts. */
  delivery: DeliveryContext;
  attempts: DeliveryCounter;
  /** Aborted when the subscription aborts: the batch is dropped where it stands, as by a crash. */
  crashed: AbortSignal;
  report(err: unknown, what: string): void;
}

/**
 * How a batch ended: `done` (every record handled), `stopping` (the subscription closes), `rebalancing`
 * (the group takes partitions back), `aborted`, `stale`, or `failed` (delivery or commit failed; the
 * unhandled records are fetched again after a pause).
 */
export type BatchOutcome = 'done' | 'stopping' | 'rebalancing' | 'aborted' | 'stale' | 'failed';

export interface BatchResult {
  outcome: BatchOutcome;
  /** Records handled (or dead-lettered) and resolved. */
  handled: number;
  /** The last offset committed for the partition by this batch (the next one to read), if any. */
  committed: string | null;
}

const COMMIT_ATTEMPTS = 3;

/**
 * Runs one fetched batch of one partition: splits it into chunks of `maxBatchSize`, hands each to
 * {@link deliver} in order, and once a chunk's effects are durable resolves and commits its last offset
 * + 1. Heartbeats from a timer meanwhile, so a long chunk keeps the membership. Before each chunk it
 * stops, leaving the rest uncommitted for redelivery, when the subscription closes or aborts or the
 * group rebalances. An abort leaves the chunk in flight too: nothing after it is resolved or committed.
 */
export async function runPartitionBatch(records: readonly RawRecord[], control: BatchControl, ctx: PartitionBatchContext): Promise<BatchResult> {
  const first = records[0];
  if (first === undefined) return { outcome: 'done', handled: 0, committed: null };
  // Below the fetch position everything was handled already (committed, or resolved by this process).
  ctx.attempts.forgetBefore(ctx.delivery.group, ctx.topic, ctx.partition, first.offset);
  const heartbeats = new HeartbeatTimer(control, ctx);
  let handled = 0;
  let committed: string | null = null;
  const result = (outcome: BatchOutcome): BatchResult => ({ outcome, handled, committed });
  try {
    for (let start = 0; start < records.length; start += ctx.maxBatchSize) {
      const stop = stopReason(control, ctx, heartbeats);
      if (stop !== null) return result(stop);
      const chunk = records.slice(start, start + ctx.maxBatchSize);
      const delivered = await deliverChunk(chunk, ctx);
      if (delivered === 'aborted' || delivered === 'stopping') return result(delivered);
      if (delivered !== 'ok') {
        ctx.report(delivered.error, `delivering ${ctx.topic}[${ctx.partition}]`);
        await heartbeats.pause(failurePauseMs(ctx));
        return result(ctx.crashed.aborted ? 'aborted' : 'failed');
      }
      const last = chunk[chunk.length - 1] as RawRecord;
      control.resolveOffset(last.offset);
      handled += chunk.length;
      const next = (BigInt(last.offset) + 1n).toString();
      const commit = await commitWithRetry(control, next, ctx, heartbeats);
      if (commit === 'aborted') return result('aborted');
      if (commit === 'ok') {
        committed = next;
        ctx.attempts.forgetBefore(ctx.delivery.group, ctx.topic, ctx.partition, next);
      } else {
        // Handled but not committed: the next commit of this partition covers it; after a rebalance the new owner gets it again.
        ctx.report(commit.error, `committing ${ctx.topic}[${ctx.partition}] up to ${next}`);
        return result(commit.rebalancing ? 'rebalancing' : 'failed');
      }
    }
    return result('done');
  } finally {
    heartbeats.stop();
  }
}

function stopReason(control: BatchControl, ctx: PartitionBatchContext, heartbeats: HeartbeatTimer): BatchOutcome | null {
  if (ctx.crashed.aborted) return 'aborted';
  if (ctx.delivery.signal.aborted || !control.isRunning()) return 'stopping';
  if (control.isStale()) return 'stale';
  if (heartbeats.rebalancing) return 'rebalancing';
  return null;
}

type ChunkResult = 'ok' | 'aborted' | 'stopping' | { error: unknown };

async function deliverChunk(chunk: readonly RawRecord[], ctx: PartitionBatchContext): Promise<ChunkResult> {
  const { group } = ctx.delivery;
  const messages: IncomingMessage[] = [];
  const malformed: OutgoingMessage[] = [];
  for (const record of chunk) {
    const decoded = fromRecord(record);
    if (!decoded.ok) {
      malformed.push(malformedDeadLetter(record.offset, decoded, ctx));
      continue;
    }
    messages.push({
      key: decoded.key,
      value: decoded.value,
      headers: decoded.headers,
      topic: ctx.topic,
      partition: ctx.partition,
      position: record.offset,
      attempt: ctx.attempts.record(group, ctx.topic, ctx.partition, record.offset),
    });
  }
  const work = (async (): Promise<void> => {
    if (malformed.length > 0) await ctx.delivery.publishDeadLetters(dlqTopic(ctx.topic), malformed);
    await deliver(messages, ctx.delivery);
  })();
  const outcome = await unlessCrashed(work, ctx.crashed);
  if (outcome === 'crashed') return 'aborted';
  if (outcome === 'ok') return 'ok';
  if (outcome.error instanceof DeliveryStoppedError) return ctx.crashed.aborted ? 'aborted' : 'stopping';
  return outcome;
}

/** Settles with `work`, or with 'crashed' as soon as `crashed` aborts (the work goes on unobserved). */
function unlessCrashed(work: Promise<void>, crashed: AbortSignal): Promise<'ok' | 'crashed' | { error: unknown }> {
  const settled = work.then(
    () => 'ok' as const,
    (error: unknown) => ({ error }),
  );
  if (crashed.aborted) return Promise.resolve('crashed');
  return new Promise((resolve) => {
    const onCrash = (): void => resolve('crashed');
    crashed.addEventListener('abort', onCrash, { once: true });
    void settled.then((outcome) => {
      crashed.removeEventListener('abort', onCrash);
      resolve(outcome);
    });
  });
}

type CommitResult = 'ok' | 'aborted' | { error: unknown; rebalancing: boolean };

/** Commits `next`, retrying a failure other than a rebalance twice; an abort stops it. */
async function commitWithRetry(control: BatchControl, next: string, ctx: PartitionBatchContext, heartbeats: HeartbeatTimer): Promise<CommitResult> {
  let error: unknown;
  for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt += 1) {
    if (ctx.crashed.aborted) return 'aborted';
    try {
      await control.commit(next);
      return ctx.crashed.aborted ? 'aborted' : 'ok';
    } catch (err) {
      error = err;
      if (ctx.crashed.aborted) return 'aborted';
      if (isKafkaTransportError(err, 'KAFKA_REBALANCING')) return { error: err, rebalancing: true };
    }
    if (attempt < COMMIT_ATTEMPTS) await heartbeats.pause(100 * 2 ** (attempt - 1));
  }
  return { error, rebalancing: false };
}

function failurePauseMs(ctx: PartitionBatchContext): number {
  const { initialBackoffMs, maxBackoffMs } = ctx.delivery.policy;
  return Math.min(maxBackoffMs, Math.max(initialBackoffMs, 100));
}

function malformedDeadLetter(offset: string, decoded: { reason: string; key: string; value: Buffer; headers: Record<string, string> }, ctx: PartitionBatchContext): OutgoingMessage {
  const base = { eventId: '', eventType: '', correlationId: '', causationId: '', producedAt: '' };
  return {
    key: decoded.key,
    value: decoded.value,
    headers: {
      ...base,
      ...decoded.headers,
      [DLQ_HEADERS.error]: `malformed record: ${decoded.reason}`,
      [DLQ_HEADERS.errorCode]: 'KAFKA_MALFORMED_RECORD',
      [DLQ_HEADERS.attempts]: '0',
      [DLQ_HEADERS.sourceTopic]: ctx.topic,
      [DLQ_HEADERS.sourcePartition]: String(ctx.partition),
      [DLQ_HEADERS.sourcePosition]: offset,
      [DLQ_HEADERS.group]: ctx.delivery.group,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}

/**
 * Heartbeats every `heartbeatIntervalMs` while a batch runs (one at a time). A heartbeat answered with a
 * rebalance sets {@link rebalancing} and ends a {@link pause} early; other failures are reported.
 */
class HeartbeatTimer {
  rebalancing = false;
  private readonly timer: NodeJS.Timeout;
  private inFlight = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly control: BatchControl,
    private readonly ctx: PartitionBatchContext,
  ) {
    this.timer = setInterval(() => this.beat(), ctx.heartbeatIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.wakeUp();
  }

  /** Resolves after `ms`, or earlier on a rebalance, a close or an abort. */
  pause(ms: number): Promise<void> {
    const { signal } = this.ctx.delivery;
    if (this.rebalancing || signal.aborted || this.ctx.crashed.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.ctx.crashed.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.ctx.crashed.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  private beat(): void {
    if (this.inFlight || this.ctx.crashed.aborted) return;
    this.inFlight = true;
    void this.control
      .heartbeat()
      .catch((err: unknown) => {
        if (isKafkaTransportError(err, 'KAFKA_REBALANCING')) {
          this.rebalancing = true;
          this.wakeUp();
        } else if (!this.ctx.crashed.aborted) {
          this.ctx.report(err, `heartbeat during ${this.ctx.topic}[${this.ctx.partition}]`);
        }
      })
      .finally(() => {
        this.inFlight = false;
      });
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
