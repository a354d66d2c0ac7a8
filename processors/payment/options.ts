import { PaymentProcessorError } from './payment.errors';

export interface PaymentProcessorOptions {
  /** Most PSP captures in flight at once within one batch (default 32). */
  maxConcurrentCaptures?: number;
}

export type ResolvedPaymentProcessorOptions = Required<PaymentProcessorOptions>;

export const PAYMENT_PROCESSOR_DEFAULTS: ResolvedPaymentProcessorOptions = { maxConcurrentCaptures: 32 };

/** Fills in defaults; throws a `PAYMENT_INVALID_OPTIONS` error naming the bad option. */
export function resolvePaymentProcessorOptions(options: PaymentProcessorOptions): ResolvedPaymentProcessorOptions {
  const maxConcurrentCaptures = options.maxConcurrentCaptures ?? PAYMENT_PROCESSOR_DEFAULTS.maxConcurrentCaptures;
  if (!Number.isSafeInteger(maxConcurrentCaptures) || maxConcurrentCaptures < 1) {
    throw new PaymentProcessorError('PAYMENT_INVALID_OPTIONS', `maxConcurrentCaptures must be a positive integer, got ${String(maxConcurrentCaptures)}`);
  }
  return { maxConcurrentCaptures };
}
