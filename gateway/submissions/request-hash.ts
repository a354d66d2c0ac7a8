import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a request's canonical JSON: the `request_hash` of `order_requests` and
 * `wallet_actions`. Two requests under one idempotency key are "the same" exactly when their
 * canonical JSON (keys in one fixed order, integers as numbers) is equal.
 */
export function requestHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}
