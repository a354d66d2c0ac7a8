/**
 * How often this process has handed each uncommitted record of a group to a handler, for
 * `IncomingMessage.attempt`. Kafka keeps no delivery count, so the count lives here, shared by every
 * subscription of one transport (a takeover within the process sees the earlier deliveries). It
 * restarts in a new process: a record a crashed process had delivered arrives there with attempt 1.
 *
 * Counts are dropped once the group commits past them. Counts of partitions that move to another
 * process would stay behind, so past `maxEntries` the partitions seen longest ago are forgotten whole.
 */
export class DeliveryCounter {
  /** `group ␀ topic ␀ partition` → offset → deliveries; Map order is the order partitions were first seen. */
  private readonly partitions = new Map<string, Map<string, number>>();
  private entries = 0;

  constructor(private readonly maxEntries = 100_000) {}

  get size(): number {
    return this.entries;
  }

  /** Records one more delivery of `offset` and returns its attempt number (1 for the first). */
  record(group: string, topic: string, partition: number, offset: string): number {
    const id = partitionId(group, topic, partition);
    let counts = this.partitions.get(id);
    if (counts === undefined) {
      counts = new Map();
      this.partitions.set(id, counts);
    }
    const attempt = (counts.get(offset) ?? 0) + 1;
    if (attempt === 1) this.entries += 1;
    counts.set(offset, attempt);
    this.evict(id);
    return attempt;
  }

  /** Deliveries recorded for `offset` so far (0 when none). */
  deliveries(group: string, topic: string, partition: number, offset: string): number {
    return this.partitions.get(partitionId(group, topic, partition))?.get(offset) ?? 0;
  }

  /** The group has handled everything before `next`: forget those offsets. */
  forgetBefore(group: string, topic: string, partition: number, next: string): void {
    const id = partitionId(group, topic, partition);
    const counts = this.partitions.get(id);
    if (counts === undefined) return;
    const limit = BigInt(next);
    for (const offset of counts.keys()) {
      if (BigInt(offset) < limit) {
        counts.delete(offset);
        this.entries -= 1;
      }
    }
    if (counts.size === 0) this.partitions.delete(id);
  }

  private evict(keep: string): void {
    for (const [id, counts] of this.partitions) {
      if (this.entries <= this.maxEntries) return;
      if (id === keep) continue;
      this.entries -= counts.size;
      this.partitions.delete(id);
    }
  }
}

function partitionId(group: string, topic: string, partition: number): string {
  return `${group}\u0000${topic}\u0000${partition}`;
}
