import type { PartitionLog, StoredMessage } from './partition-log';
import type { TopicState } from './topic-state';

/** A subscription as a consumer group sees it. */
export interface GroupMember {
  /** Join order; the sorted list of live members decides who owns which partition. */
  readonly seq: number;
  /** Starts handling `partition` of `group`, or returns null when the member is no longer active. */
  startWorker(group: ConsumerGroup, partition: number): WorkerHandle | null;
}

/** The loop of one member over one partition, as the group sees it. */
export interface WorkerHandle {
  readonly member: GroupMember;
  /** Ends an idle wait so the worker notices it lost the partition or is closing. */
  wake(): void;
}

/** What one group knows about one partition: how far it got, who handles it, what it redelivers. */
export class PartitionClaim {
  holder: WorkerHandle | null = null;
  /** Set while an aborted member's unacknowledged batch waits out the visibility timeout. */
  fenced = false;
  /** Offset → deliveries so far, only for messages delivered and not acknowledged. */
  private readonly deliveries = new Map<number, number>();

  constructor(public committed: number) {}

  attemptFor(offset: number): number {
    return this.deliveries.size === 0 ? 1 : (this.deliveries.get(offset) ?? 0) + 1;
  }

  /** The batch was delivered but not acknowledged: its next delivery is one attempt later. */
  recordUnacknowledged(batch: readonly StoredMessage[]): void {
    for (const message of batch) this.deliveries.set(message.offset, this.attemptFor(message.offset));
  }

  /** Moves the committed position forward to `next` (never back). */
  advanceTo(next: number): void {
    if (next <= this.committed) return;
    this.committed = next;
    if (this.deliveries.size === 0) return;
    for (const offset of this.deliveries.keys()) if (offset < next) this.deliveries.delete(offset);
  }
}

/**
 * One consumer group on one topic. Members split the partitions round-robin over the list of live
 * members sorted by join order; a partition is handled by at most one worker at a time, and moves to
 * its new owner only once the old worker has acknowledged its batch and released it (or, for an
 * aborted member, once the visibility timeout has passed).
 */
export class ConsumerGroup {
  private readonly members: GroupMember[] = [];
  private readonly claims: PartitionClaim[];
  private readonly fenceTimers = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(
    readonly topic: TopicState,
    readonly name: string,
  ) {
    // A new group starts at the oldest retained message of each partition.
    this.claims = topic.logs.map((log) => new PartitionClaim(log.startOffset));
  }

  get partitions(): number {
    return this.claims.length;
  }

  get memberCount(): number {
    return this.members.length;
  }

  log(partition: number): PartitionLog {
    return this.topic.log(partition);
  }

  claim(partition: number): PartitionClaim {
    const claim = this.claims[partition];
    if (claim === undefined) throw new RangeError(`partition ${partition} out of range`);
    return claim;
  }

  committed(partition: number): number {
    return this.claim(partition).committed;
  }

  ownerOf(partition: number): GroupMember | undefined {
    const count = this.members.length;
    return count === 0 ? undefined : this.members[partition % count];
  }

  join(member: GroupMember): void {
    if (this.members.includes(member)) return;
    this.members.push(member);
    this.members.sort((a, b) => a.seq - b.seq);
    this.reconcile();
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    this.reconcile();
  }

  /** Hands free partitions to their owners and tells workers holding someone else's partition to let go. */
  reconcile(): void {
    if (this.disposed) return;
    for (let partition = 0; partition < this.claims.length; partition += 1) {
      const claim = this.claim(partition);
      const owner = this.ownerOf(partition);
      if (claim.holder !== null) {
        if (claim.holder.member !== owner) claim.holder.wake();
        continue;
      }
      if (claim.fenced || owner === undefined) continue;
      claim.holder = owner.startWorker(this, partition);
    }
  }

  /** The holder handled everything before `next`. */
  acknowledge(partition: number, next: number): void {
    this.claim(partition).advanceTo(next);
    this.topic.trim(partition);
  }

  /** A worker stopped; its partition goes to whoever owns it now. */
  release(partition: number, worker: WorkerHandle): void {
    const claim = this.claim(partition);
    if (claim.holder !== worker) return;
    claim.holder = null;
    this.reconcile();
  }

  /**
   * An aborted member's worker gives its partition up without reconciling (the member leaves next).
   * With `fenceMs`, the partition stays blocked that long, as a crashed consumer's would.
   */
  surrender(partition: number, worker: WorkerHandle, fenceMs: number | null): void {
    const claim = this.claim(partition);
    if (claim.holder !== worker) return;
    claim.holder = null;
    if (fenceMs === null || this.disposed) return;
    claim.fenced = true;
    const timer = setTimeout(() => {
      this.fenceTimers.delete(timer);
      claim.fenced = false;
      this.reconcile();
    }, fenceMs);
    // A fence alone should not keep a process alive.
    timer.unref();
    this.fenceTimers.add(timer);
  }

  /** Retention dropped messages before `offset`: the group skips them; returns how many it had not handled. */
  skipTo(partition: number, offset: number): number {
    const claim = this.claim(partition);
    const skipped = Math.max(0, offset - claim.committed);
    claim.advanceTo(offset);
    return skipped;
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.fenceTimers) clearTimeout(timer);
    this.fenceTimers.clear();
  }
}
