import { createHash } from 'node:crypto';
import type { z } from 'zod';

/**
 * SHA-256 (hex) of a request's canonical JSON: the `request_hash` of `order_requests` and
 * `wallet_actions`. Two requests under one idempotency key are "the same" exactly when their
 * canonical JSON (keys in one fixed order, integers as numbers) is equal.
 */
export function requestHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

/** Reads back a stored canonical request with `schema`; throws naming `what` when the row is corrupt. */
export function parseStoredRequestJson<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, json: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`stored ${what} is not valid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}
