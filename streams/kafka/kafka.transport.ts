import type { Admin, Producer } from 'kafkajs';
import { Kafka, Partitioners } from 'kafkajs';
import type { Logger } from 'pino';
import { resolvePolicy } from '../delivery';
import type { OutgoingMessage, SubscribeOptions, Subscription, Transport } from '../types';
import { dlqTopic } from '../types';
import { clientConfig } from './client-config';
import { DeliveryCounter } from './delivery-counter';
import { KafkaInvalidArgumentError, KafkaTransportError, toError } from './kafka.errors';
import { KafkaSubscription } from './kafka.subscription';
import type { ResolvedKafkaOptions } from './options';
import type { RecordToProduce } from './record.codec';
import { toRecord } from './record.codec';

export const DEFAULT_MAX_BATCH_SIZE = 256;
const MAX_BATCH_LIMIT = 100_000;
/** Legal Kafka topic names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const DLQ_SUFFIX = dlqTopic('');

/**
 * The Kafka transport. One idempotent producer (acks from all in-sync replicas, one request in flight
 * per broker, keys partitioned by murmur2 as the Java client does) and one admin client per transport;
 * one consumer, on its own client, per subscription.
 */
export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerReady: Promise<void> | null = null;
  private adminReady: Promise<void> | null = null;
  /** Topics this transport created or found, by name. */
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly attempts = new DeliveryCounter();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;

  constructor(
    private readonly options: ResolvedKafkaOptions,
    private readonly logger: Logger,
  ) {
    const kafka = new Kafka(clientConfig(options, logger));
    this.producer = kafka.producer({
      idempotent: true,
      // Idempotence needs acks from all in-sync replicas (each send asks for them) and ordered retries.
      maxInFlightRequests: 1,
      // kafkajs only defaults to unlimited retries for an idempotent producer when no retry option reaches it,
      // and the client's own (empty) one always does: say it. Non-retriable errors still fail at once.
      retry: { retries: Number.MAX_SAFE_INTEGER },
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.admin = kafka.admin();
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    if (this.state === 'closed') throw closedError('ensure topics');
    const names = listOf(topics, 'ensureTopics: topics').map((topic) => checkTopicName(topic));
    await this.ensure(names.flatMap((name) => (name.endsWith(DLQ_SUFFIX) ? [name] : [name, dlqTopic(name)])));
  }

  /** Resolves once the brokers acknowledged every message (acks from all in-sync replicas). */
  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    // Publishing stays open while closing: handlers being drained may still publish their outputs.
    if (this.state === 'closed') throw closedError(`publish to ${String(topic)}`);
    const name = checkTopicName(topic);
    const list = listOf(messages, `publish to ${name}: messages`);
    // The whole batch is checked first, so a bad message publishes nothing.
    const records: RecordToProduce[] = list.map((message, index) => toRecord(name, index, message as OutgoingMessage));
    if (records.length === 0) return;
    await this.ensure(name.endsWith(DLQ_SUFFIX) ? [name] : [name, dlqTopic(name)]);
    await this.connectProducer();
    try {
      await this.producer.send({ topic: name, messages: records, acks: -1 });
    } catch (err) {
      const cause = toError(err);
      // Earlier parts of the batch may be stored: publishing it again can duplicate them (at least once).
      throw new KafkaTransportError('KAFKA_PUBLISH_FAILED', `publishing ${records.length} messages to ${name} failed: ${cause.message}`, { cause });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.state !== 'open') throw closedError('subscribe');
    if (typeof options !== 'object' || options === null) throw invalid('subscribe: options are required');
    const topics = [...new Set(listOf(options.topics, 'subscribe: topics').map((topic) => checkTopicName(topic)))];
    if (topics.length === 0) throw invalid('subscribe: topics must name at least one topic');
    if (typeof options.group !== 'string' || options.group.length === 0 || options.group.length > 255) {
      throw invalid('subscribe: group must be a string of 1 to 255 characters');
    }
    if (typeof options.handler !== 'function') throw invalid('subscribe: handler must be a function');
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > MAX_BATCH_LIMIT) {
      throw invalid(`subscribe: maxBatchSize must be an integer from 1 to ${MAX_BATCH_LIMIT}, got ${String(maxBatchSize)}`);
    }
    const policy = resolvePolicy(options.retry);
    await this.ensure(topics);
    // close() may have begun while the topics were being checked; it would not see this subscription.
    if (this.state !== 'open') throw closedError('subscribe');
    const subscription = new KafkaSubscription({
      options: this.options,
      topics,
      group: options.group,
      handler: options.handler,
      maxBatchSize,
      policy,
      attempts: this.attempts,
      publish: (topic, messages) => this.publish(topic, messages),
      logger: this.logger,
      onEnded: (ended) => this.subscriptions.delete(ended),
    });
    this.subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.state = 'closed';
    const results = await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn({ err: result.reason as unknown }, 'kafka transport: disconnecting failed');
    }
  }

  /** Creates the topics not yet known to this transport (with the configured partitions and replicas); existing ones stay as they are. */
  private async ensure(names: readonly string[]): Promise<void> {
    const missing = [...new Set(names)].filter((name) => !this.ensured.has(name));
    if (missing.length > 0) {
      const creating = this.createTopics(missing);
      for (const name of missing) this.ensured.set(name, creating);
      void creating.catch(() => {
        for (const name of missing) if (this.ensured.get(name) === creating) this.ensured.delete(name);
      });
    }
    await Promise.all(names.map((name) => this.ensured.get(name) ?? Promise.resolve()));
  }

  private async createTopics(names: readonly string[]): Promise<void> {
    const { partitions, replicationFactor, requestTimeoutMs } = this.options;
    try {
      await this.connectAdmin();
      await this.admin.createTopics({
        topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
        waitForLeaders: true,
        timeout: requestTimeoutMs,
      });
    } catch (err) {
      const cause = toError(err);
      throw new KafkaTransportError('KAFKA_ADMIN_FAILED', `creating topics ${names.join(', ')} failed: ${cause.message}`, { cause });
    }
  }

  private connectProducer(): Promise<void> {
    this.producerReady ??= connectOnce(() => this.producer.connect(), 'producer', () => {
      this.producerReady = null;
    });
    return this.producerReady;
  }

  private connectAdmin(): Promise<void> {
    this.adminReady ??= connectOnce(() => this.admin.connect(), 'admin client', () => {
      this.adminReady = null;
    });
    return this.adminReady;
  }
}

/** Connects; a failure is thrown as `KAFKA_CONNECT_FAILED` and forgotten, so the next call tries again. */
async function connectOnce(connect: () => Promise<void>, what: string, forget: () => void): Promise<void> {
  try {
    await connect();
  } catch (err) {
    forget();
    const cause = toError(err);
    throw new KafkaTransportError('KAFKA_CONNECT_FAILED', `connecting the ${what} failed: ${cause.message}`, { cause });
  }
}

function checkTopicName(name: unknown): string {
  if (typeof name !== 'string') throw invalid(`topic name must be a string, got ${typeof name}`);
  // A topic other than a dead-letter one leaves room for the `.dlq` of its name.
  const maxLength = name.endsWith(DLQ_SUFFIX) ? 249 : 249 - DLQ_SUFFIX.length;
  if (!TOPIC_NAME.test(name) || name.length > maxLength || name === '.' || name === '..') {
    throw invalid(`invalid topic name ${JSON.stringify(name)}: use up to ${maxLength} of [A-Za-z0-9._-]`);
  }
  return name;
}

/** Throws unless `value` is an array (callers from plain JavaScript or parsed config may pass anything). */
function listOf(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be an array`);
  return value as readonly unknown[];
}

function invalid(message: string): KafkaInvalidArgumentError {
  return new KafkaInvalidArgumentError(message);
}

function closedError(operation: string): KafkaTransportError {
  return new KafkaTransportError('KAFKA_CLOSED', `the Kafka transport is closed: cannot ${operation}`);
}
