/** Codes of the errors the memory transport throws. */
export type MemoryTransportErrorCode = 'INVALID_ARGUMENT' | 'TRANSPORT_CLOSED';

/** Thrown when an option, a topic name or a message is invalid; retrying the same call cannot succeed. */
export class InvalidArgumentError extends RangeError {
  readonly code: MemoryTransportErrorCode = 'INVALID_ARGUMENT';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** Thrown by `publish`, `subscribe` and `ensureTopics` once the transport is closed (or, for `subscribe`, closing). */
export class TransportClosedError extends Error {
  readonly code: MemoryTransportErrorCode = 'TRANSPORT_CLOSED';
  readonly retryable = false;
  constructor(operation: string) {
    super(`memory transport is closed: cannot ${operation}`);
    this.name = 'TransportClosedError';
  }
}
