/**
 * The payment provider (PSP) port: the only surface the payment processor sees of a PSP.
 * Adapters: the in-process simulator and the HTTP adapter. No HTTP type crosses this file.
 */

/** One authorise-and-capture of an order's total. */
export interface CaptureRequest {
  /** The order id; also the PSP idempotency key, so a retried capture never charges twice. */
  orderId: string;
  merchantId: string;
  /** Integer minor units (cents), > 0. */
  amountMinor: number;
  /** ISO 4217 code, e.g. `EUR`. */
  currency: string;
  /** Opaque card token issued by the PSP's client-side tokenisation. */
  paymentToken: string;
}

/**
 * The business outcome of a capture. A decline is a returned value, not an error:
 * it is final for this order and must not be retried.
 */
export type CaptureResult =
  | { outcome: 'CAPTURED'; paymentId: string; pspReference: string }
  | { outcome: 'DECLINED'; reasonCode: string; reason: string };

/** A payment service provider. */
export interface PaymentProvider {
  /** Short adapter name for logs and metrics, e.g. `simulator`, `http`. */
  readonly name: string;
  /**
   * Captures `req.amountMinor` for `req.orderId`. Idempotent by order id.
   * @throws {PspError} when no definite outcome was obtained; `retryable` says whether trying again
   * (with the same order id) can help.
   */
  capture(req: CaptureRequest): Promise<CaptureResult>;
}

/** Time source of the simulator, so tests can make its latency instant or observe it. */
export interface PspClock {
  sleep(ms: number): Promise<void>;
}
