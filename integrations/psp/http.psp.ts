import { z } from 'zod';
import { validateCaptureRequest } from './capture.validation';
import { createConcurrencyLimit } from '../concurrency';
import { createHttpExchange, exchangeFailureCode, isHttpExchangeError } from '../http';
import { HTTP_PSP_DEFAULTS, type HttpPspOptions } from './options';
import { PspError } from './psp.errors';
import type { CaptureRequest, CaptureResult, PaymentProvider } from './types';

const capturedBody = z.object({ id: z.string().min(1), reference: z.string().min(1), status: z.literal('captured') });
const declinedBody = z.object({ code: z.string().min(1), message: z.string() });

/**
 * A PSP reached over HTTP: `POST {baseUrl}/v1/captures` with `Idempotency-Key: <orderId>` and the JSON body
 * `{ order_id, merchant_id, amount_minor, currency, payment_token }`.
 *
 * | answer | result |
 * |---|---|
 * | 200/201 `{ id, reference, status: "captured" }` | CAPTURED |
 * | 402 `{ code, message }` | DECLINED |
 * | 409 | `IDEMPOTENCY_CONFLICT` (not retryable) |
 * | 408, timeout | `PSP_TIMEOUT` (retryable) |
 * | 429 | `PSP_RATE_LIMITED` (retryable) |
 * | 5xx, connection refused/reset | `PSP_UNAVAILABLE` (retryable) |
 * | other 3xx/4xx | `PSP_REJECTED_REQUEST` (not retryable) |
 * | 200/201/402 with another body, other 2xx | `PSP_BAD_RESPONSE` (retryable: see {@link PspError}) |
 *
 * Connections are kept alive (one pool per adapter, see `integrations/http`); at most `maxConcurrent` calls
 * are in flight.
 */
export function createHttpPsp(options: HttpPspOptions): PaymentProvider {
  const endpoint = captureEndpoint(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? HTTP_PSP_DEFAULTS.timeoutMs;
  const maxConcurrent = options.maxConcurrent ?? HTTP_PSP_DEFAULTS.maxConcurrent;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidOption(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw invalidOption(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  }
  const limit = createConcurrencyLimit(maxConcurrent);
  const http = createHttpExchange({ maxSockets: maxConcurrent });
  const baseHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey !== undefined) baseHeaders.authorization = `Bearer ${options.apiKey}`;

  async function call(req: CaptureRequest): Promise<CaptureResult> {
    const body = JSON.stringify({
      order_id: req.orderId,
      merchant_id: req.merchantId,
      amount_minor: req.amountMinor,
      currency: req.currency,
      payment_token: req.paymentToken,
    });
    let status: number;
    let text: string;
    try {
      // One deadline for the whole exchange: connecting, the answer and its body. A 3xx is just a status.
      ({ status, text } = await http.send({ method: 'POST', url: endpoint, headers: { ...baseHeaders, 'idempotency-key': req.orderId }, body, timeoutMs }));
    } catch (err) {
      if (isHttpExchangeError(err) && err.code === 'HTTP_TIMEOUT') throw new PspError('PSP_TIMEOUT', `PSP did not answer within ${timeoutMs} ms`, { cause: err });
      throw new PspError('PSP_UNAVAILABLE', `PSP unreachable (${exchangeFailureCode(err)})`, { cause: err });
    }
    return interpret(status, text);
  }

  return {
    name: 'http',
    async capture(req) {
      validateCaptureRequest(req);
      return limit.run(() => call(req));
    },
  };
}

function interpret(status: number, text: string): CaptureResult {
  if (status === 200 || status === 201) {
    const parsed = capturedBody.safeParse(parseJson(text));
    if (!parsed.success) throw badResponse(status, 'a capture answer without { id, reference, status: "captured" }');
    return { outcome: 'CAPTURED', paymentId: parsed.data.id, pspReference: parsed.data.reference };
  }
  if (status === 402) {
    const parsed = declinedBody.safeParse(parseJson(text));
    if (!parsed.success) throw badResponse(status, 'a decline without { code, message }');
    return { outcome: 'DECLINED', reasonCode: parsed.data.code, reason: parsed.data.message };
  }
  if (status >= 200 && status < 300) throw badResponse(status, 'an unexpected success status');
  const detail = `HTTP ${status}: ${text.slice(0, 200)}`;
  if (status === 409) throw new PspError('IDEMPOTENCY_CONFLICT', `PSP reports an idempotency conflict (${detail})`, { status });
  if (status === 408) throw new PspError('PSP_TIMEOUT', `PSP timed out (${detail})`, { status });
  if (status === 429) throw new PspError('PSP_RATE_LIMITED', `PSP rate limit hit (${detail})`, { status });
  if (status >= 500) throw new PspError('PSP_UNAVAILABLE', `PSP failed (${detail})`, { status });
  throw new PspError('PSP_REJECTED_REQUEST', `PSP rejected the request (${detail})`, { status });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function badResponse(status: number, what: string): PspError {
  return new PspError('PSP_BAD_RESPONSE', `PSP sent ${what} (HTTP ${status})`, { status });
}


function captureEndpoint(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new PspError('PSP_INVALID_OPTIONS', `HTTP PSP: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption('baseUrl must be http(s)');
  if (url.username !== '' || url.password !== '') throw invalidOption('baseUrl must not carry credentials; use apiKey');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1/captures`;
}

function invalidOption(message: string): PspError {
  return new PspError('PSP_INVALID_OPTIONS', `HTTP PSP: ${message}`);
}
