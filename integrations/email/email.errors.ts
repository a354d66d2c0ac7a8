/** Every code an {@link EmailError} can carry. */
export type EmailErrorCode =
  | 'EMAIL_UNAVAILABLE'
  | 'EMAIL_TIMEOUT'
  | 'EMAIL_TRANSIENT_FAILURE'
  | 'EMAIL_PERMANENT_FAILURE'
  | 'EMAIL_AUTH_FAILED'
  | 'EMAIL_INVALID_MESSAGE'
  | 'EMAIL_INVALID_OPTIONS'
  | 'EMAIL_SENDER_CLOSED'
  | 'EMAIL_PROVIDER_ERROR';

/**
 * Whether each code is worth retrying.
 * - `EMAIL_UNAVAILABLE`: connection refused, reset or closed; DNS or TLS failure.
 * - `EMAIL_TIMEOUT`: no connection, greeting or reply within the deadline.
 * - `EMAIL_TRANSIENT_FAILURE`: an SMTP 4xx reply (e.g. 451 try again later, 452 mailbox full).
 * - `EMAIL_PERMANENT_FAILURE`: an SMTP 5xx reply (e.g. 550 mailbox unavailable).
 * - `EMAIL_AUTH_FAILED`: the server refused our credentials (535) or none were configured that it needs.
 * - `EMAIL_INVALID_MESSAGE`: the message failed checks before any reply (empty or malformed address…).
 * - `EMAIL_INVALID_OPTIONS`: a sender factory got unusable options.
 * - `EMAIL_SENDER_CLOSED`: a send after `close()`; retryable so a message is not dead-lettered by a shutdown.
 * - `EMAIL_PROVIDER_ERROR`: a failure the adapter does not recognise; retryable, the runner bounds it.
 */
const RETRYABLE: Readonly<Record<EmailErrorCode, boolean>> = {
  EMAIL_UNAVAILABLE: true,
  EMAIL_TIMEOUT: true,
  EMAIL_TRANSIENT_FAILURE: true,
  EMAIL_PERMANENT_FAILURE: false,
  EMAIL_AUTH_FAILED: false,
  EMAIL_INVALID_MESSAGE: false,
  EMAIL_INVALID_OPTIONS: false,
  EMAIL_SENDER_CLOSED: true,
  EMAIL_PROVIDER_ERROR: true,
};

export interface EmailErrorDetails {
  /** The SMTP reply code, when the server answered (e.g. 451, 550). */
  responseCode?: number;
  cause?: unknown;
}

/**
 * Thrown when an email provider did not accept a message. `retryable` follows from `code`;
 * identify errors by `code` or {@link isEmailError}, never by message.
 */
export class EmailError extends Error {
  readonly code: EmailErrorCode;
  readonly retryable: boolean;
  readonly responseCode: number | undefined;

  constructor(code: EmailErrorCode, message: string, details: EmailErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EmailError';
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.responseCode = details.responseCode;
  }
}

export function isEmailError(err: unknown): err is EmailError {
  return err instanceof EmailError;
}
