/** Every code a {@link PspError} can carry. */
export type PspErrorCode =
  | 'PSP_UNAVAILABLE'
  | 'PSP_TIMEOUT'
  | 'PSP_RATE_LIMITED'
  | 'PSP_BAD_RESPONSE'
  | 'PSP_REJECTED_REQUEST'
  | 'PSP_INVALID_REQUEST'
  | 'PSP_INVALID_OPTIONS'
  | 'IDEMPOTENCY_CONFLICT';

/**
 * Whether each code is worth retrying (with the same order id, so the PSP's idempotency makes it safe).
 * - `PSP_UNAVAILABLE`: connection refused/reset, HTTP 5xx, the simulator's `tok_flaky` first attempt.
 * - `PSP_TIMEOUT`: no complete answer within the deadline (or HTTP 408).
 * - `PSP_RATE_LIMITED`: HTTP 429.
 * - `PSP_BAD_RESPONSE`: an answer that is not the documented JSON (or an unexpected 2xx status). Retryable:
 *   the capture may have happened, and a retry with the same idempotency key returns its stored outcome;
 *   the runner's bounded retries dead-letter it if the PSP keeps answering garbage.
 * - `PSP_REJECTED_REQUEST`: the PSP refused the request itself (HTTP 4xx other than 402/408/409/429, or a 3xx).
 * - `PSP_INVALID_REQUEST`: the request failed our own checks before any call (e.g. a non-integer amount).
 * - `PSP_INVALID_OPTIONS`: an adapter factory got unusable options.
 * - `IDEMPOTENCY_CONFLICT`: the order id was already used with a different request (HTTP 409).
 */
const RETRYABLE: Readonly<Record<PspErrorCode, boolean>> = {
  PSP_UNAVAILABLE: true,
  PSP_TIMEOUT: true,
  PSP_RATE_LIMITED: true,
  PSP_BAD_RESPONSE: true,
  PSP_REJECTED_REQUEST: false,
  PSP_INVALID_REQUEST: false,
  PSP_INVALID_OPTIONS: false,
  IDEMPOTENCY_CONFLICT: false,
};

export interface PspErrorDetails {
  /** HTTP status of the PSP's answer, when there was one. */
  status?: number;
  cause?: unknown;
}

/**
 * Thrown when a capture got no definite outcome (a decline is a returned value, not this error).
 * `retryable` follows from `code`; identify errors by `code` or {@link isPspError}, never by message.
 */
export class PspError extends Error {
  readonly code: PspErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(code: PspErrorCode, message: string, details: PspErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PspError';
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.status = details.status;
  }
}

export function isPspError(err: unknown): err is PspError {
  return err instanceof PspError;
}
