import type { Logger } from 'pino';
import { ConsumerGroup } from './consumer-group';
import { PartitionLog } from './partition-log';

/** One topic: its partition logs and the consumer groups reading it. */
export class TopicState {
  readonly logs: readonly PartitionLog[];
  private readonly groups = new Map<string, ConsumerGroup>();

  constructor(
    readonly name: string,
    partitions: number,
    private readonly maxRetainedPerPartition: number,
    private readonly logger: Logger,
  ) {
    this.logs = Array.from({ length: partitions }, () => new PartitionLog());
  }

  log(partition: number): PartitionLog {
    const log = this.logs[partition];
    if (log === undefined) throw new RangeError(`topic ${this.name} has no partition ${partition}`);
    return log;
  }

  group(name: string): ConsumerGroup {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new ConsumerGroup(this, name);
      this.groups.set(name, group);
    }
    return group;
  }

  hasGroups(): boolean {
    return this.groups.size > 0;
  }

  groupList(): ConsumerGroup[] {
    return [...this.groups.values()];
  }

  /** Drops what every group has acknowledged (nothing while the topic has no group). */
  trim(partition: number): void {
    if (this.groups.size === 0) return;
    let low = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) low = Math.min(low, group.committed(partition));
    this.log(partition).trimBefore(low);
  }

  /** Keeps at most `maxRetainedPerPartition` messages; groups behind the cut skip what was dropped (a batch in flight still completes). */
  enforceRetention(partition: number): void {
    const log = this.log(partition);
    const excess = log.size - this.maxRetainedPerPartition;
    if (excess <= 0) return;
    const newStart = log.startOffset + excess;
    for (const group of this.groups.values()) {
      const skipped = group.skipTo(partition, newStart);
      if (skipped > 0) {
        this.logger.warn(
          { topic: this.name, partition, group: group.name, skipped, maxRetainedPerPartition: this.maxRetainedPerPartition },
          'retention cap reached: group skips messages it has not acknowledged',
        );
      }
    }
    log.trimBefore(newStart);
  }

  dispose(): void {
    for (const group of this.groups.values()) group.dispose();
  }
}
