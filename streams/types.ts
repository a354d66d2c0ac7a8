/**
 * The transport port: the only surface processors and the gateway see of a message broker.
 * Adapters (memory, redis, kafka, pulsar) move opaque bytes; codecs live in `schemas/`.
 * No engine type (ioredis, kafkajs, pulsar-client) crosses this file.
 */

/** Headers every paystream message carries; adapters may add their own (e.g. dead-letter headers). */
export interface MessageHeaders {
  /** Deterministic id of the event (downstream dedupe key). */
  eventId: string;
  /** Avro record name of the payload, e.g. `OrderSubmitted`. */
  eventType: string;
  /** Id shared by every event of one business flow (an order, a balance action). */
  correlationId: string;
  /** Id of the event that caused this one (the event's own id for a flow's first event). */
  causationId: string;
  /** ISO-8601 time the producer created the event. */
  producedAt: string;
  [name: string]: string;
}

/** A keyed message to publish. Messages with the same key keep their order. */
export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers: MessageHeaders;
}

/** A message as a subscriber receives it. */
export interface IncomingMessage extends OutgoingMessage {
  topic: string;
  partition: number;
  /** Adapter-specific position of the message in its partition (stream id, offset). */
  position: string;
  /** 1 on the first delivery to this group; higher after redelivery or a retry. */
  attempt: number;
}

/**
 * Handles one batch of messages from one partition of one topic, in partition order.
 * Resolving acknowledges the whole batch. Throwing makes the runner retry (see {@link RetryPolicy});
 * an error whose `retryable` property is `false` is not retried, and the message at fault is dead-lettered.
 */
export type BatchHandler = (batch: readonly IncomingMessage[]) => Promise<void>;

/** Bounded retries with exponential backoff; after `maxAttempts` a message goes to `<topic>.dlq`. */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface SubscribeOptions {
  topics: readonly string[];
  /** Consumer group: every group receives every message; members of one group split the partitions. */
  group: string;
  handler: BatchHandler;
  /** Largest batch handed to the handler (default 256). */
  maxBatchSize?: number;
  retry?: Partial<RetryPolicy>;
}

export interface Subscription {
  /** Stops fetching, waits for in-flight handlers to finish and acknowledges what they handled. */
  close(): Promise<void>;
  /**
   * Stops at once as a crashed process would: in-flight work is neither awaited nor acknowledged,
   * so other members of the group take it over after the visibility timeout.
   */
  abort(): Promise<void>;
}

export interface Transport {
  /** `memory`, `redis`, `kafka` or `pulsar`. */
  readonly name: string;
  /** Creates the topics (and their `.dlq`) where the engine needs it; idempotent. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Publishes a batch; resolves once the engine holds every message durably (as durable as the engine is). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Messages this process holds that a consumer group has not yet acknowledged, for a transport that
   * keeps its backlog in the process's memory (the embedded one). Absent where a broker keeps it.
   */
  backlog?(): number;
  /** Closes every subscription (draining them) and the engine's connections. */
  close(): Promise<void>;
}

/** Headers the runner adds to a dead-lettered message, beside the original ones. */
export const DLQ_HEADERS = {
  error: 'dlq-error',
  errorCode: 'dlq-error-code',
  attempts: 'dlq-attempts',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourcePosition: 'dlq-source-position',
  group: 'dlq-group',
  failedAt: 'dlq-failed-at',
} as const;

export const dlqTopic = (topic: string): string => `${topic}.dlq`;
