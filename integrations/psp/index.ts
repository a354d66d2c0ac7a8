export type { CaptureRequest, CaptureResult, PaymentProvider, PspClock } from './types';
export type { SimulatorPspOptions, HttpPspOptions } from './options';
export { PspError, isPspError, type PspErrorCode, type PspErrorDetails } from './psp.errors';
export { createSimulatorPsp } from './simulator.psp';
export { createHttpPsp } from './http.psp';
