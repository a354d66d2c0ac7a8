import { PspError } from './psp.errors';
import type { CaptureRequest } from './types';

const CURRENCY = /^[A-Z]{3}$/;

/**
 * Checks a capture request before any PSP sees it, so a malformed one fails fast and for good.
 * @throws {PspError} `PSP_INVALID_REQUEST`
 */
export function validateCaptureRequest(req: CaptureRequest): void {
  if (req.orderId.length === 0) throw invalid('orderId must not be empty');
  if (req.merchantId.length === 0) throw invalid('merchantId must not be empty');
  if (!Number.isSafeInteger(req.amountMinor) || req.amountMinor <= 0) {
    throw invalid(`amountMinor must be a positive integer (minor units), got ${String(req.amountMinor)}`);
  }
  if (!CURRENCY.test(req.currency)) throw invalid(`currency must be an ISO 4217 code, got ${JSON.stringify(req.currency)}`);
}

function invalid(message: string): PspError {
  return new PspError('PSP_INVALID_REQUEST', message);
}
