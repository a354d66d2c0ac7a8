import type { Logger } from 'pino';
import { resolvePolicy } from '../delivery';
import { partitionFor } from '../partitioner';
import type { MessageHeaders, OutgoingMessage, SubscribeOptions, Subscription } from '../types';
import { dlqTopic } from '../types';
import { InvalidArgumentError, TransportClosedError } from './memory.errors';
import { MemorySubscription } from './memory.subscription';
import type { MemoryTransportOptions, ResolvedMemoryTransportOptions } from './options';
import { requireInteger, resolveMemoryTransportOptions } from './options';
import { TopicState } from './topic-state';
import type { MemoryTopicStats, MemoryTransport, MemoryTransportDeps } from './types';

export const DEFAULT_MAX_BATCH_SIZE = 256;

/** Legal topic names, as Kafka has them (1-249 characters), so a name that works here works on every engine. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const REQUIRED_HEADERS = ['eventId', 'eventType', 'correlationId', 'causationId', 'producedAt'] as const;
const DLQ_SUFFIX = dlqTopic('');
const PARTITION_CACHE_SIZE = 10_000;

/**
 * The in-process transport: topics split into partitions by key, consumer groups with a committed
 * position per partition, redelivery of what was not acknowledged, dead-lettering through the shared
 * runner. The embedded default, and the fake that processor unit tests use.
 */
export function createMemoryTransport(options: MemoryTransportOptions, deps: MemoryTransportDeps): MemoryTransport {
  return new InMemoryTransport(resolveMemoryTransportOptions(options), deps.logger.child({ transport: 'memory' }));
}

class InMemoryTransport implements MemoryTransport {
  readonly name = 'memory';
  private readonly topics = new Map<string, TopicState>();
  private readonly subscriptions = new Set<MemorySubscription>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;
  private memberSeq = 0;
  private readonly partitionCache = new Map<string, number>();

  constructor(
    private readonly options: ResolvedMemoryTransportOptions,
    private readonly logger: Logger,
  ) {}

  ensureTopics(topics: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      if (this.state === 'closed') throw new TransportClosedError('ensure topics');
      for (const topic of listOf(topics, 'ensureTopics: topics')) {
        const state = this.topic(topic);
        if (!state.name.endsWith(DLQ_SUFFIX)) this.topic(dlqTopic(state.name));
      }
      resolve();
    });
  }

  /** Appends synchronously (the returned promise is already settled), so publish order is call order. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    return new Promise((resolve) => {
      this.append(topic, messages);
      resolve();
    });
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return new Promise((resolve) => resolve(this.join(options)));
  }

  close(): Promise<void> {
    if (this.closing === null) {
      this.state = 'closing';
      this.closing = Promise.all([...this.subscriptions].map((subscription) => subscription.close())).then(() => {
        for (const topic of this.topics.values()) topic.dispose();
        this.state = 'closed';
      });
    }
    return this.closing;
  }

  /** Messages retained in topics that have a consumer group: what some group has yet to acknowledge. */
  backlog(): number {
    let held = 0;
    for (const topic of this.topics.values()) {
      if (!topic.hasGroups()) continue;
      for (const log of topic.logs) held += log.size;
    }
    return held;
  }

  stats(): MemoryTopicStats[] {
    return [...this.topics.values()].map((topic) => {
      const endOffsets = topic.logs.map((log) => log.endOffset);
      return {
        topic: topic.name,
        retained: topic.logs.map((log) => log.size),
        endOffsets,
        groups: topic.groupList().map((group) => {
          const committed = endOffsets.map((_, partition) => group.committed(partition));
          const lag = committed.reduce((sum, position, partition) => sum + (endOffsets[partition] ?? position) - position, 0);
          return { group: group.name, members: group.memberCount, committed, lag };
        }),
      };
    });
  }

  /** Validates the whole batch first, so a bad message publishes nothing. */
  private append(topicName: string, messages: readonly OutgoingMessage[]): void {
    // Publishing stays open while closing: handlers being drained may still publish their outputs.
    if (this.state === 'closed') throw new TransportClosedError(`publish to ${String(topicName)}`);
    const topic = this.topic(topicName);
    listOf(messages, `publish to ${topicName}: messages`);
    const count = messages.length;
    if (count === 0) return;
    const partitions = new Array<number>(count);
    const headers = new Array<MessageHeaders>(count);
    let bytes = 0;
    for (let i = 0; i < count; i += 1) {
      const message = messages[i] as OutgoingMessage;
      headers[i] = checkMessage(topicName, i, message);
      partitions[i] = this.partitionOf(message.key);
      bytes += message.value.length;
    }
    // One copy of the batch's bytes (the publisher may reuse its buffers, as it may with a network
    // client), one allocation instead of one per message.
    const slab = Buffer.allocUnsafeSlow(bytes);
    const touched = new Uint8Array(this.options.partitions);
    let at = 0;
    for (let i = 0; i < count; i += 1) {
      const message = messages[i] as OutgoingMessage;
      const partition = partitions[i] as number;
      const length = message.value.length;
      slab.set(message.value, at);
      topic.log(partition).append(message.key, slab.subarray(at, at + length), headers[i] as MessageHeaders);
      at += length;
      touched[partition] = 1;
    }
    for (let partition = 0; partition < touched.length; partition += 1) {
      if (touched[partition] === 0) continue;
      topic.enforceRetention(partition);
      topic.log(partition).wakeWaiters();
    }
  }

  /** {@link partitionFor}, remembered for recent keys (keys repeat: merchants, wallets). */
  private partitionOf(key: string): number {
    let partition = this.partitionCache.get(key);
    if (partition === undefined) {
      partition = partitionFor(key, this.options.partitions);
      if (this.partitionCache.size >= PARTITION_CACHE_SIZE) this.partitionCache.clear();
      this.partitionCache.set(key, partition);
    }
    return partition;
  }

  private join(options: SubscribeOptions): MemorySubscription {
    if (this.state !== 'open') throw new TransportClosedError('subscribe');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('subscribe: options are required');
    const { group, handler } = options;
    const topics = listOf(options.topics, 'subscribe: topics');
    if (topics.length === 0) throw new InvalidArgumentError('subscribe: topics must name at least one topic');
    if (typeof group !== 'string' || group.length === 0) throw new InvalidArgumentError('subscribe: group must be a non-empty string');
    if (typeof handler !== 'function') throw new InvalidArgumentError('subscribe: handler must be a function');
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    requireInteger('maxBatchSize', maxBatchSize, 1, Number.MAX_SAFE_INTEGER);
    const policy = resolvePolicy(options.retry);
    const groups = [...new Set(topics)].map((topic) => this.topic(topic).group(group));
    this.memberSeq += 1;
    const subscription = new MemorySubscription(
      this.memberSeq,
      groups,
      {
        group,
        handler,
        policy,
        maxBatchSize,
        visibilityTimeoutMs: this.options.visibilityTimeoutMs,
        lingerMs: this.options.lingerMs,
        publishDeadLetters: (topic, messages) => this.publish(topic, messages),
        logger: this.logger,
      },
      (ended) => this.subscriptions.delete(ended),
    );
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** The topic, created on first use. */
  private topic(name: unknown): TopicState {
    if (typeof name !== 'string') throw new InvalidArgumentError(`topic name must be a string, got ${typeof name}`);
    let topic = this.topics.get(name);
    if (topic === undefined) {
      // A topic other than a dead-letter one leaves room for the `.dlq` of its name.
      const maxLength = name.endsWith(DLQ_SUFFIX) ? 249 : 249 - DLQ_SUFFIX.length;
      if (!TOPIC_NAME.test(name) || name.length > maxLength || name === '.' || name === '..') {
        throw new InvalidArgumentError(`invalid topic name ${JSON.stringify(name)}: use up to ${maxLength} of [A-Za-z0-9._-]`);
      }
      topic = new TopicState(name, this.options.partitions, this.options.maxRetainedPerPartition, this.logger);
      this.topics.set(name, topic);
    }
    return topic;
  }
}

/** Throws unless `value` is an array (callers from plain JavaScript or parsed config may pass anything). */
function listOf(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${what} must be an array`);
  return value as readonly unknown[];
}

/** Checks one message against the port and returns a private copy of its headers. */
function checkMessage(topic: string, index: number, message: OutgoingMessage): MessageHeaders {
  const where = `publish to ${topic}, message ${index}`;
  if (typeof message !== 'object' || message === null) throw new InvalidArgumentError(`${where}: not a message object`);
  if (typeof message.key !== 'string') throw new InvalidArgumentError(`${where}: key must be a string`);
  if (!(message.value instanceof Uint8Array)) throw new InvalidArgumentError(`${where}: value must be a Buffer`);
  const source = message.headers as unknown;
  if (typeof source !== 'object' || source === null) throw new InvalidArgumentError(`${where}: headers must be an object`);
  const copy = { ...source } as Record<string, unknown>;
  for (const name in copy) {
    if (typeof copy[name] !== 'string') throw new InvalidArgumentError(`${where}: header ${name} must be a string`);
  }
  for (const name of REQUIRED_HEADERS) {
    if (copy[name] === undefined) throw new InvalidArgumentError(`${where}: header ${name} is required`);
  }
  return copy as MessageHeaders;
}
