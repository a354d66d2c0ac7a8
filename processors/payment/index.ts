export { createPaymentProcessor, PAYMENT_PROCESSOR_NAME } from './payment.processor';
export type { PaymentProcessorDeps } from './types';
export type { PaymentProcessorOptions, ResolvedPaymentProcessorOptions } from './options';
export { PAYMENT_PROCESSOR_DEFAULTS, resolvePaymentProcessorOptions } from './options';
export { isPaymentProcessorError, PaymentProcessorError } from './payment.errors';
export type { PaymentProcessorErrorCode } from './payment.errors';
