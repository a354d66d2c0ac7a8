import type { Logger } from 'pino';
import { resolvePolicy } from '../delivery';
import type { OutgoingMessage, SubscribeOptions, Subscription, Transport } from '../types';
import { dlqTopic } from '../types';
import type { ResolvedPulsarOptions } from './options';
import { PulsarInvalidArgumentError, PulsarTransportError } from './pulsar.errors';
import { PulsarSubscription } from './pulsar.subscription';
import { ProducerPool } from './producer-pool';
import { assertTopicName, PulsarTopicNames } from './topic-names';
import type { PulsarClient } from './types';

const DEFAULT_MAX_BATCH = 256;
const MAX_BATCH_LIMIT = 10_000;
const DLQ_SUFFIX = dlqTopic('');
/** Group names become Pulsar subscription names: printable, no `/`. */
const GROUP_NAME = /^[^\s/\\\p{C}]{1,255}$/u;

/**
 * Pulsar transport: each logical topic is the persistent topic `persistent://<tenant>/<namespace>/<topic>`;
 * a consumer group is a Key_Shared subscription of that name, so each key's messages go to one member at
 * a time, in order. One batching producer per topic (key-based batches), created on first use.
 */
export class PulsarTransport implements Transport {
  readonly name = 'pulsar';
  private readonly names: PulsarTopicNames;
  private readonly producers: ProducerPool;
  private readonly subscriptions = new Set<PulsarSubscription>();
  /** Consumers of aborted subscriptions still closing. */
  private readonly remaining = new Set<Promise<void>>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;

  constructor(
    private readonly client: PulsarClient,
    private readonly options: ResolvedPulsarOptions,
    private readonly logger: Logger,
  ) {
    this.names = new PulsarTopicNames(options.tenant, options.namespace);
    this.producers = new ProducerPool(client, this.names, options, logger);
  }

  /**
   * Creates each topic's producer and its `.dlq`'s: that creates the topics where the broker auto-creates
   * them (the default), and checks at start-up that this process may publish to them.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    this.assertState('ensure topics', ['open']);
    const all = listOf(topics, 'ensureTopics: topics').flatMap((topic) => {
      assertTopicName(topic);
      return topic.endsWith(DLQ_SUFFIX) ? [topic] : [topic, dlqTopic(topic)];
    });
    await Promise.all(all.map((topic) => this.producers.ensure(topic)));
  }

  /** Resolves once the broker has persisted every message. Open while closing: handlers being drained may still publish. */
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertState(`publish to ${String(topic)}`, ['open', 'closing']);
    assertTopicName(topic);
    listOf(messages, `publish to ${topic}: messages`);
    await this.producers.publish(topic, messages);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertState('subscribe', ['open']);
    if (typeof options !== 'object' || options === null) throw invalid('options are required');
    const topics: string[] = [];
    for (const topic of new Set(listOf(options.topics, 'subscribe: topics'))) {
      assertTopicName(topic);
      topics.push(topic);
    }
    if (topics.length === 0) throw invalid('topics must name at least one topic');
    if (typeof options.group !== 'string' || !GROUP_NAME.test(options.group)) {
      throw invalid(`group must be 1 to 255 printable characters other than "/" and "\\", got ${JSON.stringify(options.group)}`);
    }
    if (typeof options.handler !== 'function') throw invalid('handler must be a function');
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > MAX_BATCH_LIMIT) {
      throw invalid(`maxBatchSize must be an integer from 1 to ${MAX_BATCH_LIMIT}, got ${maxBatchSize}`);
    }
    const policy = resolvePolicy(options.retry);
    const subscription = new PulsarSubscription({
      client: this.client,
      names: this.names,
      options: this.options,
      topics,
      group: options.group,
      handler: options.handler,
      policy,
      maxBatchSize,
      publishDeadLetters: (topic, messages) => this.publish(topic, messages),
      logger: this.logger,
      onEnded: (ended, remaining) => this.ended(ended, remaining),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (err) {
      this.subscriptions.delete(subscription);
      throw err;
    }
    return subscription;
  }

  /** Closes every subscription (draining them), waits for aborted ones to let go, then closes producers and the client. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await Promise.all(this.remaining);
    await this.producers.close();
    this.state = 'closed';
    try {
      await this.client.close();
    } catch (err) {
      this.logger.warn({ err }, 'pulsar transport: closing the client failed');
    }
  }

  private ended(subscription: PulsarSubscription, remaining: Promise<void>): void {
    this.subscriptions.delete(subscription);
    this.remaining.add(remaining);
    void remaining.finally(() => this.remaining.delete(remaining));
  }

  private assertState(operation: string, allowed: readonly ('open' | 'closing' | 'closed')[]): void {
    if (!allowed.includes(this.state)) throw new PulsarTransportError('PULSAR_CLOSED', `the Pulsar transport is ${this.state}: cannot ${operation}`);
  }
}

function invalid(message: string): PulsarInvalidArgumentError {
  return new PulsarInvalidArgumentError(`invalid subscription: ${message}`);
}

/** Throws unless `value` is an array (callers from plain JavaScript or parsed config may pass anything). */
function listOf(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new PulsarInvalidArgumentError(`${what} must be an array`);
  return value as readonly unknown[];
}
