/**
 * Errors of the gateway. Each has a code from a closed list and a `retryable` flag; the gRPC
 * status of each is decided in one place, `grpc/status.mapping.ts`.
 */

export type GatewayErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  | 'UNAVAILABLE';

export abstract class GatewayError extends Error {
  abstract readonly code: GatewayErrorCode;
  abstract readonly retryable: boolean;
}

/** Thrown when a request (or a merchant to create) breaks a rule; `field` names the field at fault. */
export class ValidationError extends GatewayError {
  readonly code = 'INVALID_ARGUMENT';
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.name = 'ValidationError';
  }
}

/** Thrown when a call carries no API key, a malformed one, or one that is unknown or revoked. */
export class AuthenticationError extends GatewayError {
  readonly code = 'UNAUTHENTICATED';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** Thrown when an order does not exist for the calling merchant (another merchant's order included). */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Thrown when an idempotency key comes back with a request different from the one it was first used for. */
export class IdempotencyConflictError extends GatewayError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  readonly retryable = false;
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key "${idempotencyKey}" was already used for a different request; use a new key for a new order`);
    this.name = 'IdempotencyConflictError';
  }
}

export type Dependency = 'broker' | 'mysql' | 'gateway';

/**
 * Thrown when a dependency is down (the broker refuses a publish, the gateway is shutting down).
 * The request may be retried with the same idempotency key: nothing is done twice.
 */
export class UnavailableError extends GatewayError {
  readonly code = 'UNAVAILABLE';
  readonly retryable = true;
  constructor(
    readonly dependency: Dependency,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UnavailableError';
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
