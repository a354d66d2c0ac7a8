/**
 * Signed ERP webhooks: `X-Erp-Timestamp: <unix seconds>` and `X-Erp-Signature: v1=<hex>`, where hex is
 * HMAC-SHA256(secret, `<timestamp>.<raw body>`). The timestamp is signed too, so an old request cannot be
 * replayed with a fresh one; receivers refuse timestamps outside their tolerance window.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ERP_TIMESTAMP_HEADER = 'x-erp-timestamp';
export const ERP_SIGNATURE_HEADER = 'x-erp-signature';

/** Why a webhook was refused. */
export type WebhookSignatureProblem =
  | 'MISSING_TIMESTAMP'
  | 'MALFORMED_TIMESTAMP'
  | 'STALE_TIMESTAMP'
  | 'MISSING_SIGNATURE'
  | 'MALFORMED_SIGNATURE'
  | 'BAD_SIGNATURE';

export type WebhookSignatureCheck = { ok: true; timestamp: number } | { ok: false; problem: WebhookSignatureProblem };

export interface VerifyWebhookInput {
  secret: string;
  /** The raw `X-Erp-Timestamp` header, if any. */
  timestamp: string | undefined;
  /** The raw `X-Erp-Signature` header, if any (several `v1=` values may be comma-separated). */
  signature: string | undefined;
  /** The request body exactly as received. */
  body: Buffer;
  /** Current time in unix seconds. */
  nowSeconds: number;
  /** Largest accepted distance between the timestamp and now, in seconds. */
  toleranceSeconds: number;
}

const SIGNATURE_BYTES = 32;

function hmac(secret: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The `X-Erp-Signature` value for `body` sent at `timestampSeconds`. */
export function signErpWebhook(secret: string, timestampSeconds: number, body: string | Buffer): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return `v1=${hmac(secret, String(timestampSeconds), bytes).toString('hex')}`;
}

/**
 * Checks a webhook's timestamp and signature. The comparison runs in constant time over equal-length
 * digests (`crypto.timingSafeEqual`); a malformed value never reaches it.
 */
export function verifyErpWebhook(input: VerifyWebhookInput): WebhookSignatureCheck {
  if (input.timestamp === undefined || input.timestamp === '') return { ok: false, problem: 'MISSING_TIMESTAMP' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, problem: 'MALFORMED_TIMESTAMP' };
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return { ok: false, problem: 'STALE_TIMESTAMP' };
  if (input.signature === undefined || input.signature === '') return { ok: false, problem: 'MISSING_SIGNATURE' };
  const candidates: Buffer[] = [];
  for (const part of input.signature.split(',')) {
    const match = /^v1=([0-9a-fA-F]{64})$/.exec(part.trim());
    if (match?.[1] !== undefined) candidates.push(Buffer.from(match[1], 'hex'));
  }
  if (candidates.length === 0) return { ok: false, problem: 'MALFORMED_SIGNATURE' };
  const expected = hmac(input.secret, input.timestamp, input.body);
  // Every candidate is compared, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const candidate of candidates) {
    if (candidate.length === SIGNATURE_BYTES && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, problem: 'BAD_SIGNATURE' };
}
