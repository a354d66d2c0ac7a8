/** Every code a {@link PulsarTransportError} may carry. */
export type PulsarTransportErrorCode =
  /** An option, a topic name, a message or a subscription setting is invalid ({@link PulsarInvalidArgumentError}). */
  | 'PULSAR_INVALID_ARGUMENT'
  /** The optional package `pulsar-client` is not installed ({@link PulsarClientMissingError}). */
  | 'PULSAR_CLIENT_MISSING'
  /** `pulsar-client` is installed but could not be loaded (typically its native library is missing). */
  | 'PULSAR_CLIENT_LOAD_FAILED'
  /** The broker refused or lost part of a published batch; publishing it again is safe (at least once). */
  | 'PULSAR_PUBLISH_FAILED'
  /** Creating a consumer (joining the subscription) failed. */
  | 'PULSAR_SUBSCRIBE_FAILED'
  /** The transport is closed (or, for `subscribe`, closing). */
  | 'PULSAR_CLOSED';

const RETRYABLE: Readonly<Record<PulsarTransportErrorCode, boolean>> = {
  PULSAR_INVALID_ARGUMENT: false,
  PULSAR_CLIENT_MISSING: false,
  PULSAR_CLIENT_LOAD_FAILED: false,
  PULSAR_PUBLISH_FAILED: true,
  PULSAR_SUBSCRIBE_FAILED: true,
  PULSAR_CLOSED: false,
};

/** Thrown by the Pulsar transport; `code` says what failed, `retryable` whether trying again can help. */
export class PulsarTransportError extends Error {
  readonly code: PulsarTransportErrorCode;
  readonly retryable: boolean;

  constructor(code: PulsarTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PulsarTransportError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

/**
 * Thrown when an option, a topic name, a message or a subscription setting is invalid; a `RangeError`,
 * like every adapter's argument errors. Retrying the same call cannot succeed.
 */
export class PulsarInvalidArgumentError extends RangeError {
  readonly code = 'PULSAR_INVALID_ARGUMENT' as const satisfies PulsarTransportErrorCode;
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'PulsarInvalidArgumentError';
  }
}

/** Thrown when the Pulsar transport is created but the optional package `pulsar-client` is not installed. */
export class PulsarClientMissingError extends PulsarTransportError {
  constructor(options?: { cause?: unknown }) {
    super(
      'PULSAR_CLIENT_MISSING',
      'TRANSPORT=pulsar needs the optional package pulsar-client, which is not installed. ' +
        'Install it with `npm install pulsar-client` on a machine that can download its native library (see README: Transports, Pulsar)',
      options,
    );
    this.name = 'PulsarClientMissingError';
  }
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
