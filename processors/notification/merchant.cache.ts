import type { Pool, PoolConnection } from '../../storage/mysql';
import { bool, rowsOf, str } from '../../storage/mysql';
import type { MerchantContact } from './types';

export interface MerchantCache {
  /**
   * Contacts of the merchants that exist among `ids`, read in one query for those not cached, on
   * `connection` when given (a caller inside a transaction does not take a second connection).
   */
  get(ids: readonly string[], connection?: PoolConnection): Promise<Map<string, MerchantContact>>;
}

/**
 * Caches merchants' contact details and channel preferences for `ttlMs`, so a burst of sales reads
 * each merchant once; a change of preferences takes effect within `ttlMs`. Unknown ids are not cached.
 */
export function createMerchantCache(pool: Pool, ttlMs: number, now: () => number): MerchantCache {
  const cache = new Map<string, { merchant: MerchantContact; expiresAt: number }>();
  return {
    async get(ids, connection) {
      const found = new Map<string, MerchantContact>();
      const missing: string[] = [];
      const t = now();
      for (const id of new Set(ids)) {
        const hit = cache.get(id);
        if (hit !== undefined && hit.expiresAt > t) found.set(id, hit.merchant);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const [result] = await (connection ?? pool).query('SELECT id, name, email, phone, notify_email, notify_sms FROM merchants WHERE id IN (?)', [missing]);
        for (const row of rowsOf(result)) {
          const merchant: MerchantContact = {
            id: str(row, 'id'),
            name: str(row, 'name'),
            email: str(row, 'email'),
            phone: str(row, 'phone'),
            notifyEmail: bool(row, 'notify_email'),
            notifySms: bool(row, 'notify_sms'),
          };
          cache.set(merchant.id, { merchant, expiresAt: t + ttlMs });
          found.set(merchant.id, merchant);
        }
      }
      // Drop expired entries now and then, so merchants seen once do not stay forever.
      if (cache.size > 10_000) for (const [id, entry] of cache) if (entry.expiresAt <= t) cache.delete(id);
      return found;
    },
  };
}
