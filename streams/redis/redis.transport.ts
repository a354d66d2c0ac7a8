import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { resolvePolicy } from '../delivery';
import { partitionFor } from '../partitioner';
import type { OutgoingMessage, SubscribeOptions, Subscription, Transport } from '../types';
import { dlqTopic } from '../types';
import type { ResolvedRedisOptions } from './options';
import { RedisInvalidArgumentError, RedisTransportError, toError } from './redis.errors';
import { RedisKeys, assertTopicName } from './redis.keys';
import { RedisSubscription } from './redis.subscription';
import type { ScriptCall } from './lua-scripts';
import { PUBLISH_ENTRIES, runScripts } from './lua-scripts';
import { encodeHeaders } from './stream-entry.codec';

const DEFAULT_MAX_BATCH = 256;
const MAX_BATCH_LIMIT = 10_000;
/** Messages per publish script call: bounds how long one call keeps Redis busy (a few milliseconds). */
const PUBLISH_CHUNK = 500;

/**
 * Redis Streams transport: a topic is `partitions` streams. Publishing a batch is one round trip (a
 * pipeline of script calls, each appending up to 500 entries with `XADD … MAXLEN ~`). Each subscription
 * is a consumer-group member with its own connection for blocking reads; all members of the transport
 * share one connection for every other command.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  private readonly client: Redis;
  private readonly keys: RedisKeys;
  private readonly subscriptions = new Set<RedisSubscription>();
  private readonly verified = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: ResolvedRedisOptions) {
    this.keys = new RedisKeys(options.prefix);
    this.client = new Redis(options.url, { connectionName: `${options.prefix}:commands` });
    this.client.on('error', (err: unknown) => this.report(err, 'command connection'));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    this.assertOpen();
    await Promise.all(topics.flatMap((topic) => [this.verifyTopic(topic), this.verifyTopic(dlqTopic(topic))]));
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    await this.verifyTopic(topic);
    const calls: ScriptCall[] = [];
    for (let start = 0; start < messages.length; start += PUBLISH_CHUNK) calls.push(this.publishCall(topic, messages.slice(start, start + PUBLISH_CHUNK)));
    let results: [Error | null, unknown][];
    try {
      results = await runScripts(this.client, calls);
    } catch (err) {
      throw new RedisTransportError('REDIS_PUBLISH_FAILED', `publishing ${messages.length} messages to ${topic} failed: ${toError(err).message}`, { cause: err });
    }
    const failed = results.find(([err]) => err !== null)?.[0] ?? (results.length === calls.length ? null : new Error('incomplete pipeline reply'));
    if (failed) {
      // Messages before the one that failed are stored: publishing the batch again duplicates them (at least once).
      throw new RedisTransportError('REDIS_PUBLISH_FAILED', `publishing ${messages.length} messages to ${topic} failed: ${failed.message}`, { cause: failed });
    }
  }

  /** One script call that appends `messages` to their partitions, in order. */
  private publishCall(topic: string, messages: readonly OutgoingMessage[]): ScriptCall {
    const { partitions, maxLen } = this.options;
    const keys: string[] = [];
    const keyIndex = new Map<number, number>();
    const args: (string | number | Buffer)[] = [maxLen];
    for (const message of messages) {
      if (typeof message.key !== 'string' || !Buffer.isBuffer(message.value) || typeof message.headers !== 'object' || message.headers === null) {
        throw new RedisInvalidArgumentError(`messages need a string key, a Buffer value and headers (publishing to ${topic})`);
      }
      const partition = partitionFor(message.key, partitions);
      let index = keyIndex.get(partition);
      if (index === undefined) {
        index = keys.push(this.keys.stream(topic, partition));
        keyIndex.set(partition, index);
      }
      args.push(index, message.key, message.value, encodeHeaders(message.headers));
    }
    return { script: PUBLISH_ENTRIES, keys, args };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const topics = [...new Set(options.topics)];
    if (topics.length === 0) throw invalid('topics must name at least one topic');
    topics.forEach(assertTopicName);
    if (typeof options.group !== 'string' || options.group.length === 0) throw invalid('group must be a non-empty string');
    if (typeof options.handler !== 'function') throw invalid('handler must be a function');
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > MAX_BATCH_LIMIT) {
      throw invalid(`maxBatchSize must be an integer from 1 to ${MAX_BATCH_LIMIT}, got ${maxBatchSize}`);
    }
    const policy = resolvePolicy(options.retry);
    await Promise.all(topics.map((topic) => this.verifyTopic(topic)));

    const readerConnection = this.client.duplicate({ connectionName: `${this.options.prefix}:reader:${options.group.replace(/[^\w.:-]/g, '_')}` });
    readerConnection.on('error', (err: unknown) => this.report(err, `reader connection of group ${options.group}`));
    const subscription = new RedisSubscription({
      client: this.client,
      readerConnection,
      keys: this.keys,
      options: this.options,
      topics,
      group: options.group,
      memberId: `${hostname()}:${process.pid}:${randomUUID()}`,
      handler: options.handler,
      maxBatchSize,
      policy,
      publish: (topic, messages) => this.publish(topic, messages),
      onEnded: (s) => this.subscriptions.delete(s),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (err) {
      await subscription.abort();
      throw err;
    }
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /**
   * Records the topic's partition count the first time any process uses it, and refuses to work with a
   * topic created with another count (messages would land in partitions nobody reads). Once per topic.
   */
  private verifyTopic(topic: string): Promise<void> {
    const known = this.verified.get(topic);
    if (known) return known;
    const check = (async (): Promise<void> => {
      assertTopicName(topic);
      const key = this.keys.meta(topic);
      const [[setErr], [getErr, stored]] = padTwo(await this.client.pipeline().hsetnx(key, 'partitions', this.options.partitions).hget(key, 'partitions').exec());
      if (setErr) throw setErr;
      if (getErr) throw getErr;
      if (stored !== String(this.options.partitions)) {
        throw new RedisTransportError(
          'REDIS_PARTITION_MISMATCH',
          `topic ${topic} has ${String(stored)} partitions in Redis but this transport is configured with ${this.options.partitions}`,
        );
      }
    })();
    this.verified.set(topic, check);
    check.catch(() => this.verified.delete(topic));
    return check;
  }

  private assertOpen(): void {
    if (this.closed) throw new RedisTransportError('REDIS_CLOSED', 'the Redis transport is closed');
  }

  private report(err: unknown, what: string): void {
    const cause = toError(err);
    this.options.onError(new RedisTransportError('REDIS_BACKGROUND_FAILURE', `${what}: ${cause.message}`, { cause }));
  }
}

function invalid(message: string): RedisInvalidArgumentError {
  return new RedisInvalidArgumentError(`invalid subscription: ${message}`);
}

type PipelineResult = [Error | null, unknown];

function padTwo(results: PipelineResult[] | null): [PipelineResult, PipelineResult] {
  const missing: PipelineResult = [new Error('missing pipeline reply'), null];
  return [results?.[0] ?? missing, results?.[1] ?? missing];
}
