import type { Logger } from 'pino';
import type { Transport } from '../types';

export interface MemoryTransportDeps {
  /** Receives retention warnings and unexpected delivery failures. */
  logger: Logger;
}

export interface MemoryGroupStats {
  group: string;
  /** Live members (subscriptions) of the group on this topic. */
  members: number;
  /** Committed position (next offset to deliver) per partition. */
  committed: readonly number[];
  /** Messages published and not yet acknowledged by the group, over all partitions. */
  lag: number;
}

export interface MemoryTopicStats {
  topic: string;
  /** Messages held in memory per partition. */
  retained: readonly number[];
  /** Offset of the next message per partition (= messages ever published to it). */
  endOffsets: readonly number[];
  groups: readonly MemoryGroupStats[];
}

/** The in-process transport, plus a view of its state for metrics and tests. */
export interface MemoryTransport extends Transport {
  readonly name: 'memory';
  stats(): MemoryTopicStats[];
  backlog(): number;
}
