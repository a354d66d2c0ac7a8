/** Every code an {@link ErpError} can carry. */
export type ErpErrorCode =
  | 'ERP_UNAVAILABLE'
  | 'ERP_TIMEOUT'
  | 'ERP_RATE_LIMITED'
  | 'ERP_BAD_RESPONSE'
  | 'ERP_VALIDATION_FAILED'
  | 'ERP_IDEMPOTENCY_CONFLICT'
  | 'ERP_NOT_FOUND'
  | 'ERP_NOT_CANCELLABLE'
  | 'ERP_REJECTED_REQUEST'
  | 'ERP_INVALID_REQUEST'
  | 'ERP_INVALID_OPTIONS';

/**
 * Whether each code is worth retrying (creates carry an idempotency key, so a retry never books twice).
 * - `ERP_UNAVAILABLE`: connection refused/reset, HTTP 5xx (the simulator's outage and failure rate answer 503).
 * - `ERP_TIMEOUT`: no complete answer within the deadline (or HTTP 408).
 * - `ERP_RATE_LIMITED`: HTTP 429.
 * - `ERP_BAD_RESPONSE`: an answer that is not the documented JSON. Retryable: the call may have taken
 *   effect, and a retry with the same key returns it.
 * - `ERP_VALIDATION_FAILED`: HTTP 422: the ERP refuses the entry for good (`erpCode` says why).
 * - `ERP_IDEMPOTENCY_CONFLICT`: HTTP 409 on a create: the key was used with a different entry.
 * - `ERP_NOT_FOUND`: HTTP 404: no such entry.
 * - `ERP_NOT_CANCELLABLE`: HTTP 409 on a cancel: the entry cannot be cancelled (it was rejected).
 * - `ERP_REJECTED_REQUEST`: every other 3xx/4xx: the ERP refused the request itself.
 * - `ERP_INVALID_REQUEST`: the request failed our own checks before any call (e.g. unbalanced lines).
 * - `ERP_INVALID_OPTIONS`: a factory got unusable options.
 */
const RETRYABLE: Readonly<Record<ErpErrorCode, boolean>> = {
  ERP_UNAVAILABLE: true,
  ERP_TIMEOUT: true,
  ERP_RATE_LIMITED: true,
  ERP_BAD_RESPONSE: true,
  ERP_VALIDATION_FAILED: false,
  ERP_IDEMPOTENCY_CONFLICT: false,
  ERP_NOT_FOUND: false,
  ERP_NOT_CANCELLABLE: false,
  ERP_REJECTED_REQUEST: false,
  ERP_INVALID_REQUEST: false,
  ERP_INVALID_OPTIONS: false,
};

export interface ErpErrorDetails {
  /** HTTP status of the ERP's answer, when there was one. */
  status?: number;
  /** The `code` of the ERP's error body, when it sent one (e.g. `UNBALANCED`). */
  erpCode?: string;
  cause?: unknown;
}

/**
 * Thrown when an ERP call got no usable answer or the ERP refused it. `retryable` follows from `code`;
 * identify errors by `code` or {@link isErpError}, never by message.
 */
export class ErpError extends Error {
  readonly code: ErpErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly erpCode: string | undefined;

  constructor(code: ErpErrorCode, message: string, details: ErpErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ErpError';
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.status = details.status;
    this.erpCode = details.erpCode;
  }
}

export function isErpError(err: unknown): err is ErpError {
  return err instanceof ErpError;
}
