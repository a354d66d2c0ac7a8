import type { IdempotencyPair } from './types';

/**
 * The order in which a batch inserts its rows. InnoDB locks a multi-row INSERT's unique-key entries
 * row by row; two concurrent batches that meet on the same keys in different orders deadlock, so
 * every batch inserts in one global order.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byIdempotencyKey(a: IdempotencyPair, b: IdempotencyPair): number {
  return compareText(a.merchantId, b.merchantId) || compareText(a.idempotencyKey, b.idempotencyKey);
}
