import type { Redis } from 'ioredis';
import type { DeliveryContext } from '../delivery';
import type { BatchHandler, OutgoingMessage, RetryPolicy, Subscription } from '../types';
import type { LeaseOp } from './group-membership';
import { GroupMembership } from './group-membership';
import { DELETE_CONSUMER_IF_DONE, runScripts } from './lua-scripts';
import type { ResolvedRedisOptions } from './options';
import type { SubscriptionState, WorkerHost } from './partition-worker';
import { PartitionWorker } from './partition-worker';
import { RedisTransportError, redisReplyCode, toError } from './redis.errors';
import type { RedisKeys } from './redis.keys';
import type { ReaderHost } from './stream-reader';
import { StreamReader } from './stream-reader';

export interface RedisSubscriptionDeps {
  /** The transport's shared connection for every non-blocking command. */
  client: Redis;
  /** This subscription's own connection for the blocking read. */
  readerConnection: Redis;
  keys: RedisKeys;
  options: ResolvedRedisOptions;
  topics: readonly string[];
  group: string;
  memberId: string;
  handler: BatchHandler;
  maxBatchSize: number;
  policy: RetryPolicy;
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  onEnded(subscription: RedisSubscription): void;
}

/**
 * One member of a consumer group: a heartbeat that keeps membership and partition leases, a worker per
 * partition, and one blocking reader over the partitions whose leases it holds.
 */
export class RedisSubscription implements Subscription, WorkerHost, ReaderHost {
  readonly client: Redis;
  readonly group: string;
  readonly memberId: string;
  readonly maxBatchSize: number;
  readonly visibilityTimeoutMs: number;
  readonly blockMs: number;
  readonly delivery: DeliveryContext;

  private current: SubscriptionState = 'running';
  private readonly controller = new AbortController();
  private readonly membership: GroupMembership;
  private readonly workers: PartitionWorker[];
  private readonly reader: StreamReader;
  private readerDone: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatStopped = false;
  private heartbeatInFlight: Promise<void> = Promise.resolve();
  private changeScheduled = false;
  private closing: Promise<void> | undefined;
  /** Streams this member read at some point: on close it removes its consumer from their groups. */
  private readonly touched = new Set<string>();

  constructor(private readonly deps: RedisSubscriptionDeps) {
    this.client = deps.client;
    this.group = deps.group;
    this.memberId = deps.memberId;
    this.maxBatchSize = deps.maxBatchSize;
    this.visibilityTimeoutMs = deps.options.visibilityTimeoutMs;
    this.blockMs = deps.options.blockMs;
    this.delivery = {
      policy: deps.policy,
      group: deps.group,
      handler: deps.handler,
      publishDeadLetters: (topic, messages) => deps.publish(topic, messages),
      signal: this.controller.signal,
    };
    this.membership = new GroupMembership({
      client: deps.client,
      keys: deps.keys,
      group: deps.group,
      memberId: deps.memberId,
      topics: deps.topics,
      partitions: deps.options.partitions,
      ttlMs: deps.options.visibilityTimeoutMs,
    });
    this.workers = this.membership.refs().map((ref) => new PartitionWorker(ref, this));
    this.reader = new StreamReader(deps.readerConnection, this);
  }

  /** Creates the groups, joins, takes the first leases and starts reading; fails when Redis cannot be reached. */
  async start(): Promise<void> {
    await this.ensureGroups(this.workers.map((w) => w.stream));
    await this.heartbeat();
    this.readerDone = this.reader.run().catch((err: unknown) => this.report(err, 'the read loop stopped'));
    this.scheduleHeartbeat();
  }

  state(): SubscriptionState {
    return this.current;
  }

  readable(): PartitionWorker[] {
    const now = Date.now();
    return this.workers.filter((w) => w.readable(now));
  }

  /** Coalesces change notifications into one pass per tick. */
  changed(): void {
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    queueMicrotask(() => {
      this.changeScheduled = false;
      this.reconcile();
    });
  }

  async ensureGroups(streams: readonly string[]): Promise<void> {
    const pipeline = this.client.pipeline();
    // From the start of the stream: a group created after messages were published still gets them.
    for (const stream of streams) pipeline.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null && redisReplyCode(err) !== 'BUSYGROUP');
    if (failed?.[0]) throw failed[0];
  }

  report(err: unknown, what: string): void {
    if (this.current === 'aborted' || this.current === 'closed') return;
    const cause = toError(err);
    this.deps.options.onError(new RedisTransportError('REDIS_BACKGROUND_FAILURE', `${what} (group ${this.group}): ${cause.message}`, { cause }));
  }

  close(): Promise<void> {
    if (this.current === 'aborted' || this.current === 'closed') return Promise.resolve();
    this.closing ??= this.drain();
    return this.closing;
  }

  abort(): Promise<void> {
    if (this.current === 'aborted' || this.current === 'closed') return Promise.resolve();
    this.current = 'aborted';
    this.controller.abort();
    this.stopHeartbeat();
    for (const w of this.workers) w.stop();
    this.reader.disconnect();
    this.deps.onEnded(this);
    return Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.current = 'closing';
    this.controller.abort();
    // The heartbeat goes on renewing the leases while in-flight batches finish.
    this.reader.wake();
    await this.readerDone;
    await Promise.all(this.workers.map((w) => w.settled()));
    for (const w of this.workers) w.stop();
    this.stopHeartbeat();
    await this.heartbeatInFlight;
    try {
      await this.leave();
    } catch (err) {
      this.report(err, 'leaving the group');
    }
    await this.reader.quit();
    this.current = 'closed';
    this.deps.onEnded(this);
  }

  /** Releases every lease, leaves the member lists and drops this member's (empty) consumers. */
  private async leave(): Promise<void> {
    const held = this.workers.filter((w) => w.held);
    const ops: LeaseOp[] = held.map((w) => ({ action: 'release', ref: w.ref }));
    const results = await this.membership.leases(ops);
    results.forEach((result) => {
      if (result instanceof Error) this.report(result, 'releasing a lease');
    });
    await this.membership.leave();
    const calls = [...this.touched].map((stream) => ({ script: DELETE_CONSUMER_IF_DONE, keys: [stream], args: [this.group, this.memberId] }));
    for (const [err] of await runScripts(this.client, calls)) {
      if (err && redisReplyCode(err) !== 'NOGROUP') this.report(err, 'removing the consumer');
    }
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeatStopped) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatInFlight = this.heartbeat()
        .catch((err: unknown) => this.report(err, 'heartbeat'))
        .finally(() => this.scheduleHeartbeat());
    }, this.deps.options.heartbeatMs);
  }

  private stopHeartbeat(): void {
    this.heartbeatStopped = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Announces this member, renews held leases, tries for the partitions assigned to it, releases the others. */
  private async heartbeat(): Promise<void> {
    const assigned = await this.membership.beat();
    if (this.current === 'aborted') return;
    const running = this.current === 'running';
    const ops: { op: LeaseOp; worker: PartitionWorker }[] = [];
    for (const w of this.workers) {
      w.assigned = running && assigned.has(w.stream);
      if (w.held && !w.releasing) ops.push({ op: { action: 'renew', ref: w.ref }, worker: w });
      else if (w.assigned && !w.held) ops.push({ op: { action: 'acquire', ref: w.ref }, worker: w });
    }
    const sentAt = Date.now();
    const results = await this.membership.leases(ops.map((o) => o.op));
    if (this.state() === 'aborted') return;
    ops.forEach(({ op, worker }, i) => {
      const result = results[i];
      if (result instanceof Error || result === undefined) {
        this.report(result ?? new Error('missing lease reply'), `${op.action} lease of ${worker.stream}`);
      } else if (op.action === 'renew') {
        if (result) worker.leaseValidUntil = sentAt + this.visibilityTimeoutMs;
        else worker.loseLease();
      } else if (result) {
        worker.gainLease(sentAt + this.visibilityTimeoutMs);
        this.touched.add(worker.stream);
      }
    });
    this.reconcile();
  }

  /** Releases revoked leases that nothing uses any more, starts due recoveries, and wakes the reader. */
  private reconcile(): void {
    if (this.current === 'aborted' || this.current === 'closed') return;
    const now = Date.now();
    for (const w of this.workers) {
      if (this.current === 'running' && w.held && !w.assigned && !w.releasing && w.quiescent()) void this.release(w);
      w.kick(now);
    }
    this.reader.wake();
  }

  private async release(worker: PartitionWorker): Promise<void> {
    worker.releasing = true;
    try {
      const [result] = await this.membership.leases([{ action: 'release', ref: worker.ref }]);
      if (result instanceof Error) throw result;
      worker.loseLease();
    } catch (err) {
      this.report(err, `releasing the lease of ${worker.stream}`);
    } finally {
      worker.releasing = false;
    }
  }
}
