import type { Logger } from 'pino';

/**
 * Our own port for the few Pulsar operations the adapter uses, so the adapter is written (and tested)
 * against this narrow surface and only `pulsar-native.client.ts` touches `pulsar-client`. Topic names
 * here are full Pulsar names (`persistent://tenant/namespace/topic`).
 */

/** Producer settings the adapter always uses: key-based batching, so Key_Shared can route every batch by its key. */
export interface PulsarProducerConfig {
  topic: string;
  batchingEnabled: true;
  /**
   * Key_Shared dispatches a batch as one entry, by the key of its first message: a batch mixing keys would
   * reach one consumer and break the per-key assignment. Key-based batching puts one key per batch.
   */
  batchingType: 'KeyBasedBatching';
  batchingMaxPublishDelayMs: number;
  batchingMaxMessages: number;
  /** The adapter never has more than this many sends in flight per producer, so the queue never fills. */
  maxPendingMessages: number;
  blockIfQueueFull: false;
  sendTimeoutMs: number;
}

export interface PulsarOutgoingMessage {
  data: Buffer;
  /** The message key: Key_Shared routes by it, partitioned topics pick the partition by it. */
  partitionKey: string;
  properties: Record<string, string>;
}

export interface PulsarProducer {
  /** Resolves once the broker has persisted the message. */
  send(message: PulsarOutgoingMessage): Promise<void>;
  /** Sends what the batching container holds now; resolves once the broker has persisted it. */
  flush(): Promise<void>;
  /** Sends what is pending, then closes. */
  close(): Promise<void>;
}

export interface PulsarConsumerConfig {
  topic: string;
  /** The consumer group. */
  subscription: string;
  subscriptionType: 'KeyShared';
  /** A new group starts at the oldest message the namespace retains. */
  subscriptionInitialPosition: 'Earliest';
  /** Auto-split hash ranges, and never a key's messages out of order (not even across a change of consumers). */
  keySharedPolicy: { keyShareMode: 'AutoSplit'; allowOutOfOrderDelivery: false };
  /** Delay before a negatively acknowledged message is redelivered (the adapter's visibility timeout). */
  nAckRedeliverTimeoutMs: number;
  /** Messages the client prefetches for this consumer. */
  receiverQueueSize: number;
  /**
   * Acknowledge single messages of a producer batch, so a consumer leaving mid-batch does not have the
   * broker redeliver the messages of that batch it already handled (takes effect where the broker enables
   * `acknowledgmentAtBatchIndexLevelEnabled`; otherwise the whole batch comes again: at least once).
   */
  batchIndexAckEnabled: true;
  consumerName: string;
}

/** A received message as plain data; hand the same object back to acknowledge it. */
export interface PulsarMessage {
  /** Full name of the topic (or of the partition: `…-partition-<n>`) the message came from. */
  readonly topicName: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly properties: Readonly<Record<string, string>>;
  /** The message id as text, e.g. `(12,34,-1,0)`. */
  readonly messageId: string;
  /** How often the broker redelivered the message to this subscription after a negative acknowledgement. */
  readonly redeliveryCount: number;
}

export interface PulsarConsumer {
  /** The next message, or `null` when none arrived within `timeoutMs`. */
  receive(timeoutMs: number): Promise<PulsarMessage | null>;
  acknowledge(message: PulsarMessage): Promise<void>;
  /** Asks the broker (after `nAckRedeliverTimeoutMs`) to redeliver the message, counting one redelivery. */
  negativeAcknowledge(message: PulsarMessage): void;
  /**
   * Leaves the subscription: the broker hands every message delivered to this consumer and not
   * acknowledged to the remaining consumers at once, without counting a redelivery.
   */
  close(): Promise<void>;
}

export interface PulsarClient {
  createProducer(config: PulsarProducerConfig): Promise<PulsarProducer>;
  subscribe(config: PulsarConsumerConfig): Promise<PulsarConsumer>;
  close(): Promise<void>;
}

export interface PulsarClientSettings {
  serviceUrl: string;
  /** JWT for token authentication. */
  authToken?: string;
  operationTimeoutSeconds: number;
  /** Receives the client library's own log lines. */
  logger: Logger;
}

/** Builds the client; the real one (`createNativePulsarClient`) wraps `pulsar-client`, tests pass a fake. */
export type PulsarClientFactory = (settings: PulsarClientSettings) => PulsarClient;

export interface PulsarTransportDeps {
  logger: Logger;
  /** Default: the real client, which loads `pulsar-client` at this call (it is an optional dependency). */
  clientFactory?: PulsarClientFactory;
}
