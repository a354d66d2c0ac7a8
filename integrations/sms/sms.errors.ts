/** Every code an {@link SmsError} can carry. */
export type SmsErrorCode =
  | 'SMS_UNAVAILABLE'
  | 'SMS_TIMEOUT'
  | 'SMS_RATE_LIMITED'
  | 'SMS_REJECTED'
  | 'SMS_AUTH_FAILED'
  | 'SMS_BAD_RESPONSE'
  | 'SMS_INVALID_MESSAGE'
  | 'SMS_INVALID_OPTIONS';

/**
 * Whether each code is worth retrying.
 * - `SMS_UNAVAILABLE`: connection refused or reset, HTTP 5xx.
 * - `SMS_TIMEOUT`: no complete answer within the deadline (or HTTP 408).
 * - `SMS_RATE_LIMITED`: HTTP 429.
 * - `SMS_REJECTED`: the provider refused the message (HTTP 400, e.g. Twilio 21211 invalid number; other 3xx/4xx).
 * - `SMS_AUTH_FAILED`: HTTP 401/403: wrong account sid or token.
 * - `SMS_BAD_RESPONSE`: a success status whose body is not the documented JSON. Not retryable: the provider
 *   has most likely queued the message, and the API has no idempotency key, so a retry would text twice.
 * - `SMS_INVALID_MESSAGE`: the message failed our checks before any call (empty number or body, too long).
 * - `SMS_INVALID_OPTIONS`: a sender factory got unusable options.
 */
const RETRYABLE: Readonly<Record<SmsErrorCode, boolean>> = {
  SMS_UNAVAILABLE: true,
  SMS_TIMEOUT: true,
  SMS_RATE_LIMITED: true,
  SMS_REJECTED: false,
  SMS_AUTH_FAILED: false,
  SMS_BAD_RESPONSE: false,
  SMS_INVALID_MESSAGE: false,
  SMS_INVALID_OPTIONS: false,
};

export interface SmsErrorDetails {
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** The provider's own error code from the answer body (Twilio: e.g. 21211, 20003). */
  providerCode?: number;
  cause?: unknown;
}

/**
 * Thrown when an SMS provider did not accept a message. `retryable` follows from `code`;
 * identify errors by `code` or {@link isSmsError}, never by message.
 */
export class SmsError extends Error {
  readonly code: SmsErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly providerCode: number | undefined;

  constructor(code: SmsErrorCode, message: string, details: SmsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SmsError';
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.status = details.status;
    this.providerCode = details.providerCode;
  }
}

export function isSmsError(err: unknown): err is SmsError {
  return err instanceof SmsError;
}
