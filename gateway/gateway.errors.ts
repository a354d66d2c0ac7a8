/**
 * Errors of the gateway. Each has a code from a closed list and a `retryable` flag; the gRPC
 * status of each is decided in one place, `grpc/status.mapping.ts`.
 */

export type GatewayErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ACTION_REJECTED'
  | 'LIMIT_EXCEEDED'
  | 'OVERLOADED'
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

/**
 * Thrown when an order, a wallet, a wallet action or a balance threshold does not exist for the
 * calling merchant (another merchant's included: a merchant cannot tell those apart).
 */
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
    super(`idempotency key "${idempotencyKey}" was already used for a different request; use a new key for a new request`);
    this.name = 'IdempotencyConflictError';
  }
}

/**
 * Thrown (after the action is recorded) when the ledger rejected a balance action: insufficient
 * funds, a rule of the wallet kind, a void of something that cannot be voided. `reasonCode` is the
 * ledger's code (`INSUFFICIENT_FUNDS`, `NOT_ALLOWED`, `ALREADY_VOIDED`, …); the action stays
 * readable with GetAction under `actionId`. Also thrown, with no action id, for a second void of
 * an action under another idempotency key, which `wallet_actions` cannot record
 * (`ALREADY_VOIDED`).
 */
export class ActionRejectedError extends GatewayError {
  readonly code = 'ACTION_REJECTED';
  readonly retryable = false;
  /** @param actionId the rejected action; null when the gateway refused it without recording it */
  constructor(
    readonly actionId: string | null,
    readonly reasonCode: string,
    reason: string,
  ) {
    super(reason.startsWith(`${reasonCode}:`) || reason === reasonCode ? reason : `${reasonCode}: ${reason}`);
    this.name = 'ActionRejectedError';
  }
}

/** Thrown when a request would take a merchant past a fixed quota (balance thresholds per wallet). */
export class LimitExceededError extends GatewayError {
  readonly code = 'LIMIT_EXCEEDED';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'LimitExceededError';
  }
}

/**
 * Thrown when the gateway already has as many orders and balance actions in flight as it admits
 * (`GATEWAY_MAX_IN_FLIGHT`): shedding load keeps memory and latency bounded under overload. Nothing
 * was written, so the client may retry with the same idempotency key after a short wait.
 */
export class OverloadedError extends GatewayError {
  readonly code = 'OVERLOADED';
  readonly retryable = true;
  constructor(reason: string) {
    super(`${reason}; retry with the same idempotency key after a short wait`);
    this.name = 'OverloadedError';
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
