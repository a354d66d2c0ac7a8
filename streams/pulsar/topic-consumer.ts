import type { Logger } from 'pino';
import type { DeliveryContext } from '../delivery';
import { backoffMs, deliver, DeliveryStoppedError } from '../delivery';
import { dlqTopic } from '../types';
import type { IncomingMessage, OutgoingMessage } from '../types';
import { decodeMessage } from './message.codec';
import type { PulsarConsumer, PulsarMessage } from './types';

/** What a topic consumer needs from its subscription. */
export interface ConsumerHost {
  readonly delivery: DeliveryContext;
  readonly maxBatchSize: number;
  readonly batchWaitMs: number;
  /** How long a stopped consumer stays connected so the client sends its negative acknowledgements. */
  readonly releaseHoldMs: number;
  readonly logger: Logger;
  /** False once the subscription closes or aborts. */
  running(): boolean;
}

/** Longest a wait for the first message of a batch lasts before the loop looks at its state again. */
const RECEIVE_TIMEOUT_MS = 1_000;
/** Pause after a failed receive before the next one. */
const RECEIVE_RETRY_MS = 1_000;
const STOPPED = Symbol('stopped');

/**
 * The loop of one Key_Shared consumer over one topic: collect a batch (the first message, then whatever
 * arrives within `batchWaitMs`, up to `maxBatchSize`), run it through {@link deliver}, acknowledge it.
 *
 * A batch may span keys: the broker sends each key's messages to one consumer in order, and the batch is
 * handled in that order, so per-key order holds. One batch is in flight at a time.
 *
 * Retries and dead letters are the shared runner's: `deliver` retries in place (the messages stay with
 * this consumer, so later messages of the key wait behind them) and publishes dead letters to
 * `<topic>.dlq` through the transport. Pulsar's own dead-letter policy is not configured, so every
 * adapter writes the same dead letters (same topic, same `dlq-*` headers), and the broker never
 * redelivers a message out of order because a handler failed.
 *
 * Stopping: `close()` lets the batch in flight finish and acknowledges it; messages received but not
 * handed to the handler are left unacknowledged, and closing the consumer hands them to the other members
 * at once (the broker does not count that as a redelivery, which is right: no handler saw them). A batch
 * the handler saw but that was not acknowledged (the subscription aborted, or closed during a retry
 * backoff) is negatively acknowledged, and the consumer stays connected until the client has sent that,
 * so the broker counts one redelivery and the next member sees a higher `attempt`.
 */
export class TopicConsumer {
  readonly done: Promise<void>;
  /** Set by {@link kill}: from then on the loop touches nothing, whatever its handler does. */
  private dead = false;
  /** Handed to the handler and not acknowledged. */
  private inflight: readonly PulsarMessage[] | null = null;
  private wakeUp: (() => void) | null = null;
  private released: Promise<void> | null = null;

  constructor(
    private readonly host: ConsumerHost,
    private readonly consumer: PulsarConsumer,
    private readonly topic: string,
  ) {
    this.done = this.run();
  }

  /** Ends a wait (for a message or a backoff) so the loop notices the subscription stopped. */
  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  /** The subscription aborted: give everything up now, acknowledging nothing. Resolves once the consumer is closed. */
  kill(): Promise<void> {
    if (!this.dead) {
      this.dead = true;
      const inflight = this.inflight;
      this.inflight = null;
      this.wake();
      this.released ??= this.release(inflight ?? []);
    }
    return this.released ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    try {
      await this.loop();
    } catch (err) {
      this.host.logger.error({ err, topic: this.topic, group: this.host.delivery.group }, 'pulsar transport: topic consumer failed');
    }
    if (this.dead) return;
    const inflight = this.inflight;
    this.inflight = null;
    this.released ??= this.release(inflight ?? []);
    await this.released;
  }

  private active(): boolean {
    return !this.dead && this.host.running();
  }

  private async loop(): Promise<void> {
    while (this.active()) {
      let batch: PulsarMessage[];
      try {
        batch = await this.collect();
      } catch (err) {
        if (!this.active()) return;
        this.host.logger.warn({ err, topic: this.topic, group: this.host.delivery.group }, 'pulsar transport: receive failed; retrying');
        await this.pause(RECEIVE_RETRY_MS);
        continue;
      }
      // Received while stopping: never handed over, so left for the other members.
      if (batch.length === 0 || !this.active()) continue;
      await this.handle(batch);
    }
  }

  /** Up to `maxBatchSize` messages: the first, then those arriving within `batchWaitMs` of the previous one. */
  private async collect(): Promise<PulsarMessage[]> {
    const first = await this.receive(RECEIVE_TIMEOUT_MS);
    if (first === null || first === STOPPED) return [];
    const batch = [first];
    while (batch.length < this.host.maxBatchSize) {
      const next = await this.receive(this.host.batchWaitMs);
      if (next === STOPPED) return [];
      if (next === null) break;
      batch.push(next);
    }
    return batch;
  }

  private receive(timeoutMs: number): Promise<PulsarMessage | null | typeof STOPPED> {
    if (!this.active()) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const wakeUp = (): void => resolve(STOPPED);
      this.wakeUp = wakeUp;
      this.consumer.receive(timeoutMs).then(
        (message) => {
          if (this.wakeUp === wakeUp) this.wakeUp = null;
          resolve(message);
        },
        (err: unknown) => {
          if (this.wakeUp === wakeUp) this.wakeUp = null;
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** Delivers the batch until it is handled (or dead-lettered), then acknowledges it; returns early when stopped. */
  private async handle(batch: readonly PulsarMessage[]): Promise<void> {
    const { delivery, logger } = this.host;
    this.inflight = batch;
    let malformedDone = false;
    for (let localRetries = 0; ; localRetries += 1) {
      const good: IncomingMessage[] = [];
      const malformed: OutgoingMessage[] = [];
      for (const message of batch) {
        const decoded = decodeMessage(this.topic, delivery.group, message, localRetries);
        if (decoded.ok) good.push(decoded.message);
        else malformed.push(decoded.deadLetter);
      }
      try {
        if (malformed.length > 0 && !malformedDone) {
          await delivery.publishDeadLetters(dlqTopic(this.topic), malformed);
          malformedDone = true;
        }
        await deliver(good, delivery);
        break;
      } catch (err) {
        // Aborted meanwhile: kill() took the batch over; touch nothing.
        if (this.dead) return;
        // Stopped: the batch stays unacknowledged; run() negatively acknowledges it on the way out.
        if (err instanceof DeliveryStoppedError || !this.host.running()) return;
        // deliver() itself failed (typically publishing a dead letter): keep the batch, so later messages
        // of its keys wait behind it, and try again later, one attempt further.
        logger.error({ err, topic: this.topic, group: delivery.group, size: batch.length }, 'pulsar transport: batch delivery failed; retrying it');
        await this.pause(backoffMs(localRetries + 1, delivery.policy));
        if (!this.active()) return;
      }
    }
    if (this.dead) return;
    this.inflight = null;
    await this.acknowledge(batch);
  }

  private async acknowledge(batch: readonly PulsarMessage[]): Promise<void> {
    const results = await Promise.allSettled(batch.map((message) => this.consumer.acknowledge(message)));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    const first = failed[0];
    if (first !== undefined) {
      // The broker redelivers what it did not get an acknowledgement for (at least once): report, do not retry.
      this.host.logger.warn({ err: first.reason as unknown, topic: this.topic, group: this.host.delivery.group, failed: failed.length }, 'pulsar transport: acknowledging failed');
    }
  }

  /**
   * Leaves the subscription. Messages the handler saw are negatively acknowledged first, and the consumer
   * stays connected until the client has sent that (the client drops negative acknowledgements still
   * pending when the consumer closes).
   */
  private async release(handled: readonly PulsarMessage[]): Promise<void> {
    try {
      if (handled.length > 0) {
        for (const message of handled) this.consumer.negativeAcknowledge(message);
        await new Promise((resolve) => setTimeout(resolve, this.host.releaseHoldMs));
      }
      await this.consumer.close();
    } catch (err) {
      this.host.logger.warn({ err, topic: this.topic, group: this.host.delivery.group }, 'pulsar transport: closing a consumer failed');
    }
  }

  /** Resolves after `ms` or at {@link wake}. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakeUp = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        if (this.wakeUp === wakeUp) this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = wakeUp;
    });
  }
}
