import type { Redis } from 'ioredis';
import type { DeliveryContext } from '../delivery';
import { DeliveryStoppedError, deliver } from '../delivery';
import type { IncomingMessage, OutgoingMessage } from '../types';
import { DLQ_HEADERS, dlqTopic } from '../types';
import type { PartitionRef } from './group-membership';
import { FORGET_IDLE_CONSUMERS, runScripts } from './lua-scripts';
import { redisReplyCode } from './redis.errors';
import type { MalformedEntry, RawEntry } from './stream-entry.codec';
import { decodeEntry, parseAutoClaimCursor, parseDeliveryCounts, parsePendingConsumers, parseReadReply } from './stream-entry.codec';

export type SubscriptionState = 'running' | 'closing' | 'aborted' | 'closed';

/** What a worker needs from its subscription. */
export interface WorkerHost {
  readonly client: Redis;
  readonly group: string;
  readonly memberId: string;
  readonly maxBatchSize: number;
  readonly visibilityTimeoutMs: number;
  readonly delivery: DeliveryContext;
  state(): SubscriptionState;
  /** Something changed that may let the reader read more, or a revoked lease be released. */
  changed(): void;
  ensureGroups(streams: readonly string[]): Promise<void>;
  report(err: unknown, what: string): void;
}

const CLAIM_COUNT = 1000;

/**
 * One partition of a subscription: whether this member holds its lease, and the work on it. Batches of
 * one partition run one at a time (that keeps per-key order); different partitions run side by side.
 *
 * Before reading new entries of a partition it has just acquired (or after any failure that may have left
 * entries delivered but unhandled), the worker recovers: it claims entries that dead members left pending
 * (XAUTOCLAIM once they are idle for the visibility timeout), replays every entry pending for itself in
 * stream order, and waits while other members still have younger pending entries, so that a key's
 * messages are never overtaken.
 */
export class PartitionWorker {
  held = false;
  assigned = false;
  leaseValidUntil = 0;
  /** The reader has a read in flight that includes this partition. */
  inRead = false;
  releasing = false;
  /** Must recover before reading new entries. */
  private needsRecovery = true;
  private phase: 'idle' | 'recovering' | 'busy' = 'idle';
  private work: Promise<void> = Promise.resolve();
  private notBefore = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly ref: PartitionRef,
    private readonly host: WorkerHost,
  ) {}

  get stream(): string {
    return this.ref.stream;
  }

  /** May the reader include this partition in its next read? */
  readable(now: number): boolean {
    return this.phase === 'idle' && !this.needsRecovery && !this.releasing && this.held && this.assigned && now < this.leaseValidUntil && this.host.state() === 'running';
  }

  /** Nothing in flight: a revoked lease may be released. */
  quiescent(): boolean {
    return this.phase === 'idle' && !this.inRead;
  }

  gainLease(validUntil: number): void {
    this.held = true;
    this.leaseValidUntil = validUntil;
    this.needsRecovery = true;
    this.notBefore = 0;
  }

  loseLease(): void {
    this.held = false;
    this.leaseValidUntil = 0;
    this.needsRecovery = true;
  }

  /** Entries a read may have delivered to this member without our seeing them: replay the pending list first. */
  markForRecovery(): void {
    this.needsRecovery = true;
  }

  /** Resolves when the work in flight (a batch or a recovery) is over. */
  settled(): Promise<void> {
    return this.work;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts a recovery when one is due and nothing else runs on this partition. */
  kick(now: number): void {
    if (!this.needsRecovery || this.phase !== 'idle' || this.inRead || !this.held || !this.assigned) return;
    if (this.host.state() !== 'running' || now >= this.leaseValidUntil) return;
    if (now < this.notBefore) {
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.host.changed();
        }, this.notBefore - now);
      }
      return;
    }
    this.phase = 'recovering';
    this.work = this.recover()
      .catch((err: unknown) => this.host.report(err, `recovering ${this.stream}`))
      .finally(() => {
        this.phase = 'idle';
        this.host.changed();
      });
  }

  /** Entries the reader fetched with `>` (first delivery). */
  take(entries: readonly RawEntry[]): void {
    if (this.host.state() !== 'running' || !this.held) {
      // Stopping or no longer ours: let the next owner claim them at once, as never delivered.
      this.work = this.handBack(entries.map((e) => e.id), true);
      return;
    }
    // A read interrupted earlier may have left older entries pending: those go first, via recovery.
    if (this.needsRecovery || this.phase !== 'idle') return;
    this.phase = 'busy';
    this.work = this.process(entries, () => 1)
      .then(
        () => undefined,
        (err: unknown) => this.host.report(err, `handling a batch of ${this.stream}`),
      )
      .finally(() => {
        this.phase = 'idle';
        this.host.changed();
      });
  }

  /** Hands a batch to the delivery runner and acknowledges it; false when it must be retried later. */
  private async process(entries: readonly RawEntry[], attemptOf: (id: string) => number): Promise<boolean> {
    const { delivery } = this.host;
    const messages: IncomingMessage[] = [];
    const malformed: [string, MalformedEntry][] = [];
    for (const entry of entries) {
      if (entry.fields === null) continue; // trimmed away while pending: nothing left to deliver
      const decoded = decodeEntry(entry.fields);
      if (!decoded.ok) {
        malformed.push([entry.id, decoded]);
        continue;
      }
      messages.push({
        topic: this.ref.topic,
        partition: this.ref.partition,
        position: entry.id,
        attempt: attemptOf(entry.id),
        key: decoded.key,
        value: decoded.value,
        headers: decoded.headers,
      });
    }
    try {
      if (malformed.length > 0) await delivery.publishDeadLetters(dlqTopic(this.ref.topic), malformed.map(([id, m]) => this.deadLetterOf(id, m)));
      await deliver(messages, delivery);
    } catch (err) {
      const state = this.host.state();
      if (state === 'aborted') return false;
      if (err instanceof DeliveryStoppedError || state !== 'running') {
        await this.handBack(entries.map((e) => e.id), false);
        return false;
      }
      this.failed(err, `delivering ${this.stream}`);
      return false;
    }
    return this.ack(entries.map((e) => e.id));
  }

  /** XACK until it succeeds: an unacknowledged batch would be delivered again after the visibility timeout. */
  private async ack(ids: readonly string[]): Promise<boolean> {
    for (let failures = 0; ; failures += 1) {
      const state = this.host.state();
      if (state === 'aborted') return false;
      if (state !== 'running' && failures >= 3) return false;
      try {
        await this.host.client.xack(this.stream, this.host.group, ...ids);
        return true;
      } catch (err) {
        this.host.report(err, `acknowledging ${ids.length} entries of ${this.stream}`);
        await delay(backoff(failures + 1));
      }
    }
  }

  private async recover(): Promise<void> {
    const { client, group, memberId, maxBatchSize, visibilityTimeoutMs } = this.host;
    try {
      // 1. Take over entries other members left unacknowledged for longer than the visibility timeout.
      let cursor = '0-0';
      do {
        const reply = await client.xautoclaim(this.stream, group, memberId, visibilityTimeoutMs, cursor, 'COUNT', CLAIM_COUNT, 'JUSTID');
        cursor = parseAutoClaimCursor(reply);
      } while (cursor !== '0-0' && this.host.state() === 'running');

      // 2. Replay this member's pending entries in stream order (history read: attempt = times delivered).
      let after = '0';
      for (;;) {
        if (this.host.state() !== 'running') return;
        const pipeline = client.pipeline();
        pipeline.callBuffer('XREADGROUP', 'GROUP', group, memberId, 'COUNT', maxBatchSize, 'STREAMS', this.stream, after);
        pipeline.xpending(this.stream, group, after === '0' ? '-' : `(${after}`, '+', maxBatchSize, memberId);
        const [[readErr, readReply], [pendingErr, pendingReply]] = pad(await pipeline.exec());
        if (readErr) throw readErr;
        if (pendingErr) throw pendingErr;
        const entries = parseReadReply(readReply).get(this.stream) ?? [];
        if (entries.length === 0) break;
        const counts = parseDeliveryCounts(pendingReply);
        if (!(await this.process(entries, (id) => counts.get(id) ?? 1))) return;
        after = (entries[entries.length - 1] as RawEntry).id;
      }

      // 3. Younger entries still pending at other members: wait until they can be claimed, or are acknowledged.
      const consumers = parsePendingConsumers(await client.xpending(this.stream, group));
      const othersPending = [...consumers].some(([name, count]) => name !== memberId && count > 0);
      if (othersPending) {
        this.notBefore = Date.now() + Math.max(25, Math.floor(visibilityTimeoutMs / 10));
        return;
      }
      const [[forgetErr]] = pad(await runScripts(client, [{ script: FORGET_IDLE_CONSUMERS, keys: [this.stream], args: [group, memberId, visibilityTimeoutMs] }]));
      if (forgetErr) this.host.report(forgetErr, `forgetting idle consumers of ${this.stream}`);
      this.needsRecovery = false;
      this.failures = 0;
    } catch (err) {
      if (this.host.state() === 'aborted') return;
      if (redisReplyCode(err) === 'NOGROUP') {
        await this.host.ensureGroups([this.stream]).catch((e: unknown) => this.host.report(e, `recreating the group on ${this.stream}`));
      }
      this.failed(err, `recovering ${this.stream}`);
    }
  }

  private failed(err: unknown, what: string): void {
    this.host.report(err, what);
    this.needsRecovery = true;
    this.failures += 1;
    this.notBefore = Date.now() + backoff(this.failures);
  }

  /**
   * Makes entries this member will not handle claimable by the next owner at once (idle = visibility
   * timeout) instead of after it; `undelivered` entries also get their delivery count back.
   */
  private async handBack(ids: readonly string[], undelivered: boolean): Promise<void> {
    if (ids.length === 0 || this.host.state() === 'aborted') return;
    const { client, group, memberId, visibilityTimeoutMs } = this.host;
    const retry = undelivered ? ['RETRYCOUNT', 0] : [];
    try {
      await client.call('XCLAIM', this.stream, group, memberId, 0, ...ids, 'IDLE', visibilityTimeoutMs, ...retry, 'JUSTID');
    } catch (err) {
      this.host.report(err, `handing back ${ids.length} entries of ${this.stream}`);
    }
  }

  private deadLetterOf(id: string, entry: MalformedEntry): OutgoingMessage {
    const base = { eventId: '', eventType: '', correlationId: '', causationId: '', producedAt: '' };
    return {
      key: entry.key,
      value: entry.value,
      headers: {
        ...base,
        ...entry.headers,
        [DLQ_HEADERS.error]: `malformed stream entry: ${entry.reason}`,
        [DLQ_HEADERS.errorCode]: 'REDIS_MALFORMED_ENTRY',
        [DLQ_HEADERS.attempts]: '0',
        [DLQ_HEADERS.sourceTopic]: this.ref.topic,
        [DLQ_HEADERS.sourcePartition]: String(this.ref.partition),
        [DLQ_HEADERS.sourcePosition]: id,
        [DLQ_HEADERS.group]: this.host.group,
        [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      },
    };
  }
}

/** Exponential backoff with jitter, 100 ms doubling up to 5 s. */
export function backoff(failures: number): number {
  const base = Math.min(5_000, 100 * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type PipelineResult = [Error | null, unknown];

/** Pipeline results, with a missing one (an empty exec) reported as an error instead of crashing on `undefined`. */
function pad(results: PipelineResult[] | null): [PipelineResult, PipelineResult] {
  const missing: PipelineResult = [new Error('missing pipeline reply'), null];
  return [results?.[0] ?? missing, results?.[1] ?? missing];
}
