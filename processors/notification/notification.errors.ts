/** Every code a {@link NotificationError} can carry. */
export type NotificationErrorCode = 'NOTIFICATION_PROVIDER_UNAVAILABLE' | 'NOTIFICATION_INVALID_OPTIONS';

const RETRYABLE: Readonly<Record<NotificationErrorCode, boolean>> = {
  NOTIFICATION_PROVIDER_UNAVAILABLE: true,
  NOTIFICATION_INVALID_OPTIONS: false,
};

/**
 * Thrown by the notification processor.
 * - `NOTIFICATION_PROVIDER_UNAVAILABLE`: a provider failed transiently for some deliveries of the batch;
 *   they are recorded PENDING with the error and sent again when the runner retries (the rest are kept).
 * - `NOTIFICATION_INVALID_OPTIONS`: the factory got unusable options.
 */
export class NotificationError extends Error {
  readonly code: NotificationErrorCode;
  readonly retryable: boolean;

  constructor(code: NotificationErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NotificationError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

export function isNotificationError(err: unknown): err is NotificationError {
  return err instanceof NotificationError;
}
