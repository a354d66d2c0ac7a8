import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeliveryContext } from '../delivery';
import { deliver, DeliveryStoppedError } from '../delivery';
import type { IncomingMessage } from '../types';
import type { ConsumerGroup, GroupMember, PartitionClaim, WorkerHandle } from './consumer-group';
import type { PartitionLog, StoredMessage } from './partition-log';

/** The subscription a worker belongs to. */
export interface WorkerOwner extends GroupMember {
  /** False once the subscription closes or aborts. */
  readonly active: boolean;
  readonly delivery: DeliveryContext;
  readonly maxBatchSize: number;
  readonly lingerMs: number;
  readonly logger: Logger;
  workerEnded(worker: PartitionWorker): void;
}

/** A worker that always has work yields to timers and I/O after this long, like a network client would. */
const SLICE_MS = 10;

/**
 * The loop of one member over one partition of one group: read a batch after the group's position,
 * run it through {@link deliver}, acknowledge it; wait for a publish when the partition is drained.
 * Ends when the member closes, aborts or loses the partition in a rebalance.
 */
export class PartitionWorker implements WorkerHandle {
  readonly done: Promise<void>;
  /** Set by {@link kill}: from then on the worker touches nothing, whatever its handler does. */
  private dead = false;
  private inflight: readonly StoredMessage[] | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    readonly member: WorkerOwner,
    private readonly group: ConsumerGroup,
    readonly partition: number,
  ) {
    this.done = this.run();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  /**
   * The member crashed (aborted): give the partition up without acknowledging anything. A partition
   * with a batch in flight stays blocked for `visibilityTimeoutMs`, then that batch is redelivered.
   */
  kill(visibilityTimeoutMs: number): void {
    if (this.dead) return;
    this.dead = true;
    const inflight = this.inflight;
    this.inflight = null;
    if (inflight === null) {
      this.group.surrender(this.partition, this, null);
    } else {
      this.group.claim(this.partition).recordUnacknowledged(inflight);
      this.group.surrender(this.partition, this, visibilityTimeoutMs);
    }
    this.wake();
  }

  private async run(): Promise<void> {
    // Never start handling inside the reconcile() that created this worker.
    await Promise.resolve();
    try {
      await this.loop();
    } catch (err) {
      this.member.logger.error({ err, topic: this.group.topic.name, partition: this.partition, group: this.group.name }, 'memory transport: partition worker failed');
    } finally {
      if (!this.dead) this.group.release(this.partition, this);
      this.member.workerEnded(this);
    }
  }

  private shouldRun(): boolean {
    return !this.dead && this.member.active && this.group.ownerOf(this.partition) === this.member;
  }

  private async loop(): Promise<void> {
    const claim = this.group.claim(this.partition);
    const log = this.group.log(this.partition);
    const topic = this.group.topic.name;
    let sliceStart = performance.now();
    while (this.shouldRun()) {
      const stored = log.read(claim.committed, this.member.maxBatchSize);
      const last = stored[stored.length - 1];
      if (last === undefined) {
        await this.idle(log);
        // Let the messages that arrive together gather into one batch.
        if (this.member.lingerMs > 0 && this.shouldRun()) await this.pause(this.member.lingerMs);
        sliceStart = performance.now();
        continue;
      }
      const batch = toIncoming(stored, topic, this.partition, claim);
      this.inflight = stored;
      let failure: unknown = null;
      let failed = false;
      try {
        await deliver(batch, this.member.delivery);
      } catch (err) {
        failed = true;
        failure = err;
      }
      // Killed (aborted) meanwhile: kill() recorded the batch for redelivery; acknowledge nothing.
      if (this.dead) return;
      this.inflight = null;
      if (!failed) {
        this.group.acknowledge(this.partition, last.offset + 1);
      } else {
        claim.recordUnacknowledged(stored);
        // Stopped means closing: the loop condition ends the worker and the batch is redelivered later.
        if (failure instanceof DeliveryStoppedError) continue;
        this.member.logger.error({ err: failure, topic, partition: this.partition, group: this.group.name }, 'memory transport: batch delivery failed; redelivering');
        await this.pause(this.member.delivery.policy.initialBackoffMs);
        continue;
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await nextMacrotask();
        sliceStart = performance.now();
      }
    }
  }

  /** Resolves at the partition's next publish or at {@link wake}. */
  private idle(log: PartitionLog): Promise<void> {
    return new Promise((resolve) => {
      const wakeUp = (): void => {
        log.removeWaiter(wakeUp);
        this.wakeUp = null;
        resolve();
      };
      this.wakeUp = wakeUp;
      log.addWaiter(wakeUp);
    });
  }

  /** Resolves after `ms` or at {@link wake}. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakeUp = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(wakeUp, ms);
      this.wakeUp = wakeUp;
    });
  }
}

/**
 * Each delivery gets its own copy of the bytes and headers, as from a real broker: a handler that
 * changes them affects neither other groups nor a later redelivery. The bytes of a batch are copied
 * into one allocation.
 */
function toIncoming(stored: readonly StoredMessage[], topic: string, partition: number, claim: PartitionClaim): IncomingMessage[] {
  let bytes = 0;
  for (const message of stored) bytes += message.value.length;
  const slab = Buffer.allocUnsafeSlow(bytes);
  const batch = new Array<IncomingMessage>(stored.length);
  let at = 0;
  for (let i = 0; i < stored.length; i += 1) {
    const message = stored[i] as StoredMessage;
    const end = at + message.value.length;
    slab.set(message.value, at);
    batch[i] = {
      key: message.key,
      value: slab.subarray(at, end),
      headers: { ...message.headers },
      topic,
      partition,
      position: String(message.offset),
      attempt: claim.attemptFor(message.offset),
    };
    at = end;
  }
  return batch;
}
