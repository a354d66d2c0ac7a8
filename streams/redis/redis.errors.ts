/** Every code a {@link RedisTransportError} may carry. */
export type RedisTransportErrorCode =
  /** An option, a topic name or a subscription setting is invalid ({@link RedisInvalidArgumentError}). */
  | 'REDIS_INVALID_ARGUMENT'
  /** A topic already exists in Redis with another partition count than this transport's. */
  | 'REDIS_PARTITION_MISMATCH'
  /** Redis refused or lost part of a published batch; publishing it again is safe (at least once). */
  | 'REDIS_PUBLISH_FAILED'
  /** The transport or subscription is closed. */
  | 'REDIS_CLOSED'
  /** Redis answered with a reply of an unexpected shape. */
  | 'REDIS_UNEXPECTED_REPLY'
  /** A background loop (heartbeat, read, recovery, acknowledgement) failed; it retries on its own. */
  | 'REDIS_BACKGROUND_FAILURE';

const RETRYABLE: Readonly<Record<RedisTransportErrorCode, boolean>> = {
  REDIS_INVALID_ARGUMENT: false,
  REDIS_PARTITION_MISMATCH: false,
  REDIS_PUBLISH_FAILED: true,
  REDIS_CLOSED: false,
  REDIS_UNEXPECTED_REPLY: true,
  REDIS_BACKGROUND_FAILURE: true,
};

/** Thrown (or reported through `onError`) by the Redis Streams transport; `code` says what failed. */
export class RedisTransportError extends Error {
  readonly code: RedisTransportErrorCode;
  readonly retryable: boolean;

  constructor(code: RedisTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisTransportError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

/**
 * Thrown when an option, a topic name or a subscription setting is invalid; a `RangeError`, like every
 * adapter's argument errors. Retrying the same call cannot succeed.
 */
export class RedisInvalidArgumentError extends RangeError {
  readonly code = 'REDIS_INVALID_ARGUMENT' as const satisfies RedisTransportErrorCode;
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'RedisInvalidArgumentError';
  }
}

/**
 * The code word Redis puts first in an error reply (`NOGROUP`, `BUSYGROUP`, `NOSCRIPT`, …): the
 * protocol's own error code, so matching it is matching a code, not prose.
 */
export function redisReplyCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const match = /^([A-Z][A-Z_]+) /.exec(err.message);
  return match?.[1];
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
