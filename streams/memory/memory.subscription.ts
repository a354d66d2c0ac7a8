import type { Logger } from 'pino';
import type { DeliveryContext } from '../delivery';
import type { BatchHandler, OutgoingMessage, RetryPolicy, Subscription } from '../types';
import type { ConsumerGroup, WorkerHandle } from './consumer-group';
import type { WorkerOwner } from './partition-worker';
import { PartitionWorker } from './partition-worker';

export interface MemorySubscriptionSettings {
  group: string;
  handler: BatchHandler;
  policy: RetryPolicy;
  maxBatchSize: number;
  visibilityTimeoutMs: number;
  lingerMs: number;
  publishDeadLetters: (topic: string, messages: readonly OutgoingMessage[]) => Promise<void>;
  logger: Logger;
}

type State = 'active' | 'closing' | 'closed' | 'aborted';

/** One subscription: a member of its group on each of its topics, running one worker per partition it owns. */
export class MemorySubscription implements Subscription, WorkerOwner {
  readonly delivery: DeliveryContext;
  readonly maxBatchSize: number;
  readonly lingerMs: number;
  readonly logger: Logger;
  private state: State = 'active';
  private readonly controller = new AbortController();
  private readonly workers = new Set<PartitionWorker>();
  private readonly visibilityTimeoutMs: number;
  private drained: Promise<void> | null = null;
  private readonly aborted: Promise<void>;
  private resolveAborted: () => void = () => undefined;

  constructor(
    readonly seq: number,
    private readonly groups: readonly ConsumerGroup[],
    settings: MemorySubscriptionSettings,
    private readonly onEnd: (subscription: MemorySubscription) => void,
  ) {
    this.maxBatchSize = settings.maxBatchSize;
    this.lingerMs = settings.lingerMs;
    this.logger = settings.logger;
    this.visibilityTimeoutMs = settings.visibilityTimeoutMs;
    this.delivery = {
      policy: settings.policy,
      group: settings.group,
      handler: settings.handler,
      publishDeadLetters: settings.publishDeadLetters,
      signal: this.controller.signal,
    };
    this.aborted = new Promise((resolve) => {
      this.resolveAborted = resolve;
    });
  }

  get active(): boolean {
    return this.state === 'active';
  }

  /** Joins the groups; workers start for the partitions this member owns. */
  start(): void {
    for (const group of this.groups) group.join(this);
  }

  startWorker(group: ConsumerGroup, partition: number): WorkerHandle | null {
    if (!this.active) return null;
    const worker = new PartitionWorker(this, group, partition);
    this.workers.add(worker);
    return worker;
  }

  workerEnded(worker: PartitionWorker): void {
    this.workers.delete(worker);
  }

  async close(): Promise<void> {
    if (this.state === 'active') {
      this.state = 'closing';
      // Ends pending retry backoffs (those batches stay unacknowledged); running handlers finish and are acknowledged.
      this.controller.abort();
      for (const group of this.groups) group.leave(this);
      for (const worker of this.workers) worker.wake();
      const finished = Promise.all([...this.workers].map((worker) => worker.done));
      this.drained = Promise.race([finished, this.aborted]).then(() => {
        if (this.state !== 'closing') return;
        this.state = 'closed';
        this.onEnd(this);
      });
    }
    await this.drained;
  }

  abort(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'closed') return Promise.resolve();
    this.state = 'aborted';
    this.controller.abort();
    for (const worker of this.workers) worker.kill(this.visibilityTimeoutMs);
    this.workers.clear();
    for (const group of this.groups) group.leave(this);
    this.resolveAborted();
    this.onEnd(this);
    return Promise.resolve();
  }
}
