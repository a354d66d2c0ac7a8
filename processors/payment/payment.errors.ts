/** Every code a {@link PaymentProcessorError} can carry. */
export type PaymentProcessorErrorCode = 'PAYMENT_INVALID_OPTIONS' | 'PAYMENT_UNEXPECTED_EVENT' | 'PAYMENT_CORRUPT_ROW';

/**
 * Thrown when the payment processor cannot handle its input at all:
 * - `PAYMENT_INVALID_OPTIONS`: the factory got unusable options;
 * - `PAYMENT_UNEXPECTED_EVENT`: a message on `orders.submitted` is not an `OrderSubmitted` (the runner
 *   dead-letters it);
 * - `PAYMENT_CORRUPT_ROW`: a recorded outcome lacks its PSP answer, so its output cannot be made again
 *   (the redelivered order is dead-lettered for an operator).
 * None is retryable. PSP failures keep their own {@link PspError}; declines are values, not errors.
 */
export class PaymentProcessorError extends Error {
  readonly code: PaymentProcessorErrorCode;
  readonly retryable = false;

  constructor(code: PaymentProcessorErrorCode, message: string) {
    super(message);
    this.name = 'PaymentProcessorError';
    this.code = code;
  }
}

export function isPaymentProcessorError(err: unknown): err is PaymentProcessorError {
  return err instanceof PaymentProcessorError;
}
