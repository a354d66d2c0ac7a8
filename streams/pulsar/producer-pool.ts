import type { Logger } from 'pino';
import type { OutgoingMessage } from '../types';
import { encodeMessage } from './message.codec';
import type { ResolvedPulsarOptions } from './options';
import { PulsarTransportError, toError } from './pulsar.errors';
import type { PulsarTopicNames } from './topic-names';
import type { PulsarClient, PulsarOutgoingMessage, PulsarProducer } from './types';

/**
 * Bounds the sends in flight on one producer to the producer's `maxPendingMessages`, so its queue never
 * fills (the client would either fail the send or block the event loop), and keeps publish order: one
 * publish at a time enqueues its messages (waiting for room as needed), in call order, so a later publish
 * never slips between the messages of an earlier one.
 */
class SendWindow {
  private inFlight = 0;
  private roomWaiter: (() => void) | null = null;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly size: number) {}

  /** Runs `enqueue` once every earlier caller's `enqueue` has finished. */
  inTurn(enqueue: () => Promise<void>): Promise<void> {
    const run = this.turn.then(enqueue);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Takes a slot, waiting for one if all are taken; only the caller whose turn it is calls this. */
  async acquire(): Promise<void> {
    while (this.inFlight >= this.size) {
      await new Promise<void>((resolve) => {
        this.roomWaiter = resolve;
      });
    }
    this.inFlight += 1;
  }

  release(): void {
    this.inFlight -= 1;
    const waiter = this.roomWaiter;
    this.roomWaiter = null;
    waiter?.();
  }
}

interface PooledProducer {
  producer: PulsarProducer;
  window: SendWindow;
}

/** One batching producer per topic, created on first use and kept until the transport closes. */
export class ProducerPool {
  private readonly producers = new Map<string, Promise<PooledProducer>>();

  constructor(
    private readonly client: PulsarClient,
    private readonly names: PulsarTopicNames,
    private readonly options: ResolvedPulsarOptions,
    private readonly logger: Logger,
  ) {}

  /** Creates the topic's producer (and with it the topic, where the broker auto-creates topics). */
  async ensure(topic: string): Promise<void> {
    await this.producerFor(topic);
  }

  /** Resolves once the broker has persisted every message. */
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    // Every message is checked before any is sent.
    const encoded = messages.map((message, index) => encodeMessage(topic, index, message));
    if (encoded.length === 0) return;
    const { producer, window } = await this.producerFor(topic);
    let failure: unknown = null;
    let failed = 0;
    const sends: Promise<void>[] = [];
    await window.inTurn(async () => {
      for (const message of encoded) {
        await window.acquire();
        sends.push(
          this.send(producer, message, window).catch((err: unknown) => {
            // Handled at once: an earlier send may fail while a later one waits for room.
            failure ??= err;
            failed += 1;
          }),
        );
      }
    });
    await Promise.all(sends);
    if (failed > 0) {
      // Messages before the one that failed may be stored: publishing the batch again duplicates them (at least once).
      throw new PulsarTransportError('PULSAR_PUBLISH_FAILED', `publishing to ${topic} failed for ${failed} of ${encoded.length} messages: ${toError(failure).message}`, { cause: failure });
    }
  }

  /** Closes every producer; each sends what it still holds first. */
  async close(): Promise<void> {
    const pooled = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(
      pooled.map(async (entry) => {
        try {
          await (await entry).producer.close();
        } catch (err) {
          this.logger.warn({ err }, 'pulsar transport: closing a producer failed');
        }
      }),
    );
  }

  private async send(producer: PulsarProducer, message: PulsarOutgoingMessage, window: SendWindow): Promise<void> {
    try {
      await producer.send(message);
    } finally {
      window.release();
    }
  }

  private producerFor(topic: string): Promise<PooledProducer> {
    let entry = this.producers.get(topic);
    if (entry === undefined) {
      const fullName = this.names.full(topic);
      entry = this.client
        .createProducer({
          topic: fullName,
          batchingEnabled: true,
          batchingType: 'KeyBasedBatching',
          batchingMaxPublishDelayMs: this.options.batchingMaxPublishDelayMs,
          batchingMaxMessages: this.options.batchingMaxMessages,
          maxPendingMessages: this.options.maxPendingMessages,
          blockIfQueueFull: false,
          sendTimeoutMs: this.options.sendTimeoutMs,
        })
        .then(
          (producer) => ({ producer, window: new SendWindow(this.options.maxPendingMessages) }),
          (err: unknown) => {
            this.producers.delete(topic);
            throw new PulsarTransportError('PULSAR_PUBLISH_FAILED', `creating a producer for ${fullName} failed: ${toError(err).message}`, { cause: err });
          },
        );
      this.producers.set(topic, entry);
    }
    return entry;
  }
}
