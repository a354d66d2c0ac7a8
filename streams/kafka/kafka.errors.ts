/** Every code a {@link KafkaTransportError} may carry. */
export type KafkaTransportErrorCode =
  /** An option, a topic name, a message or a subscription setting is invalid ({@link KafkaInvalidArgumentError}). */
  | 'KAFKA_INVALID_ARGUMENT'
  /** The transport or subscription is closed. */
  | 'KAFKA_CLOSED'
  /** The brokers could not be reached, or refused the connection. */
  | 'KAFKA_CONNECT_FAILED'
  /** Creating or describing topics through the admin API failed. */
  | 'KAFKA_ADMIN_FAILED'
  /** The brokers did not acknowledge a published batch; publishing it again is safe (at least once). */
  | 'KAFKA_PUBLISH_FAILED'
  /** The consumer group is rebalancing, or this member was fenced out of it: stop, rejoin, let the group redeliver. */
  | 'KAFKA_REBALANCING'
  /** Committing offsets failed for another reason than a rebalance; the next commit covers them. */
  | 'KAFKA_COMMIT_FAILED'
  /** A record lacks a key, a value or a required header; it is dead-lettered as it is. */
  | 'KAFKA_MALFORMED_RECORD'
  /** The consumer stopped on an error kafkajs does not recover from by itself. */
  | 'KAFKA_CONSUMER_CRASHED'
  /** Background work (a heartbeat, a batch) failed; it is retried. */
  | 'KAFKA_BACKGROUND_FAILURE';

const RETRYABLE: Readonly<Record<KafkaTransportErrorCode, boolean>> = {
  KAFKA_INVALID_ARGUMENT: false,
  KAFKA_CLOSED: false,
  KAFKA_CONNECT_FAILED: true,
  KAFKA_ADMIN_FAILED: true,
  KAFKA_PUBLISH_FAILED: true,
  KAFKA_REBALANCING: true,
  KAFKA_COMMIT_FAILED: true,
  KAFKA_MALFORMED_RECORD: false,
  KAFKA_CONSUMER_CRASHED: true,
  KAFKA_BACKGROUND_FAILURE: true,
};

/** Thrown (or logged, for background work) by the Kafka transport; `code` says what failed. */
export class KafkaTransportError extends Error {
  readonly code: KafkaTransportErrorCode;
  readonly retryable: boolean;

  constructor(code: KafkaTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaTransportError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

/**
 * Thrown when an option, a topic name, a message or a subscription setting is invalid; a `RangeError`,
 * like every adapter's argument errors. Retrying the same call cannot succeed.
 */
export class KafkaInvalidArgumentError extends RangeError {
  readonly code = 'KAFKA_INVALID_ARGUMENT' as const satisfies KafkaTransportErrorCode;
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'KafkaInvalidArgumentError';
  }
}

export function isKafkaTransportError(err: unknown, code: KafkaTransportErrorCode): err is KafkaTransportError {
  return err instanceof KafkaTransportError && err.code === code;
}

/** Kafka protocol errors (kafkajs's `type`, the protocol's error name) that mean the group's membership is changing. */
const GROUP_CHANGE_TYPES: ReadonlySet<string> = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/** The Kafka protocol error name a kafkajs error carries (`REBALANCE_IN_PROGRESS`, …), if any. */
export function protocolErrorType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * A failed heartbeat or commit as the batch runner sees it: `KAFKA_REBALANCING` when the group is
 * rebalancing or has fenced this member, `fallback` otherwise.
 */
export function groupError(err: unknown, what: string, fallback: KafkaTransportErrorCode): KafkaTransportError {
  const type = protocolErrorType(err);
  const code = type !== undefined && GROUP_CHANGE_TYPES.has(type) ? 'KAFKA_REBALANCING' : fallback;
  return new KafkaTransportError(code, `${what}: ${toError(err).message}`, { cause: err });
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
