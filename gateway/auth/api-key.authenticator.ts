import { hash } from 'node:crypto';
import { LruMap } from '../../caching';
import type { Pool } from '../../storage/mysql';
import { AuthenticationError } from '../gateway.errors';
import { rowsOf, str } from '../../storage/mysql';

export interface ApiKeyAuthenticatorOptions {
  /** How long a key found valid is trusted without asking MySQL again (so a revocation takes up to this long). */
  cacheTtlMs: number;
  /** How long an unknown key is remembered as unknown. */
  negativeCacheTtlMs: number;
  /** Keys remembered (about: see `LruMap`); the oldest entry is dropped first. */
  maxEntries: number;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})$/i;

/** SHA-256 (hex) of an API key: what `api_keys.key_hash` holds. */
export function hashApiKey(apiKey: string): string {
  return hash('sha256', apiKey, 'hex');
}

interface CacheEntry {
  merchantId: string | null;
  expiresAt: number;
}

/**
 * Turns `authorization: Bearer <api key>` into the merchant id the key belongs to. Lookups are
 * cached in memory for a short time (bounded), and concurrent lookups of one key share a query.
 */
export class ApiKeyAuthenticator {
  private readonly cache: LruMap<string, CacheEntry>;
  private readonly inFlight = new Map<string, Promise<string | null>>();

  constructor(
    private readonly pool: Pool,
    private readonly options: ApiKeyAuthenticatorOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new LruMap(options.maxEntries, false);
  }

  /** The merchant of the key in `authorization`; throws an {@link AuthenticationError} otherwise. */
  async authenticate(authorization: string | undefined): Promise<string> {
    if (authorization === undefined || authorization.length === 0) {
      throw new AuthenticationError('missing API key: send the metadata "authorization: Bearer <api key>"');
    }
    const match = BEARER.exec(authorization);
    const apiKey = match?.[1];
    if (apiKey === undefined) throw new AuthenticationError('malformed authorization metadata: expected "Bearer <api key>"');
    const merchantId = await this.lookup(hashApiKey(apiKey));
    if (merchantId === null) throw new AuthenticationError('unknown or revoked API key');
    return merchantId;
  }

  private lookup(keyHash: string): Promise<string | null> {
    const cached = this.cache.get(keyHash);
    if (cached !== undefined && cached.expiresAt > this.now()) return Promise.resolve(cached.merchantId);
    const pending = this.inFlight.get(keyHash);
    if (pending !== undefined) return pending;
    const query = this.query(keyHash)
      .then((merchantId) => {
        this.remember(keyHash, merchantId);
        return merchantId;
      })
      .finally(() => this.inFlight.delete(keyHash));
    this.inFlight.set(keyHash, query);
    return query;
  }

  private async query(keyHash: string): Promise<string | null> {
    const [rows] = await this.pool.query('SELECT merchant_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL', [keyHash]);
    const [row] = rowsOf(rows);
    return row === undefined ? null : str(row, 'merchant_id');
  }

  private remember(keyHash: string, merchantId: string | null): void {
    const ttl = merchantId === null ? this.options.negativeCacheTtlMs : this.options.cacheTtlMs;
    this.cache.set(keyHash, { merchantId, expiresAt: this.now() + ttl });
  }
}
