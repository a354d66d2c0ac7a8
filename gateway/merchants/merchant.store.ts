import { randomBytes, randomUUID } from 'node:crypto';
import { deriveId } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import { withTransaction } from '../../storage/mysql';
import { hashApiKey } from '../auth/api-key.authenticator';
import { checkCurrency, checkEmail, checkPhone, checkText } from '../validation/field.rules';

export interface NewMerchant {
  name: string;
  email: string;
  /** E.164, for SMS notifications. */
  phone: string;
  /** ISO 4217 code of the merchant's default wallet. */
  currency: string;
}

export interface CreatedMerchant {
  merchantId: string;
  /** Shown once: only its SHA-256 is stored. */
  apiKey: string;
  /** The merchant's default wallet in `currency`. */
  walletId: string;
}

/** The id of a merchant's default wallet in one currency (order-path decision). */
export function defaultWalletId(merchantId: string, currency: string): string {
  return deriveId('default-wallet', merchantId, currency);
}

/** A new API key: `psk_` and 32 random bytes, base64url. */
export function generateApiKey(): string {
  return `psk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Creates a merchant, its first API key (stored hashed) and its default wallet (a personal
 * account, `is_default` 1), in one transaction. Throws a `ValidationError` naming the bad field.
 */
export async function createMerchant(pool: Pool, merchant: NewMerchant): Promise<CreatedMerchant> {
  const name = checkText('name', merchant.name, 200);
  const email = checkEmail('email', merchant.email);
  const phone = checkPhone('phone', merchant.phone, false);
  const currency = checkCurrency('currency', merchant.currency);
  const merchantId = randomUUID();
  const apiKey = generateApiKey();
  const walletId = defaultWalletId(merchantId, currency);
  const now = new Date();
  await withTransaction(pool, async (connection) => {
    await connection.query('INSERT INTO merchants (id, name, email, phone, default_currency, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      merchantId,
      name,
      email,
      phone,
      currency,
      now,
    ]);
    await connection.query('INSERT INTO api_keys (key_hash, merchant_id, created_at) VALUES (?, ?, ?)', [hashApiKey(apiKey), merchantId, now]);
    await connection.query(
      `INSERT INTO accounts (id, merchant_id, kind, currency, is_default, created_at, updated_at)
       VALUES (?, ?, 'personal', ?, 1, ?, ?)`,
      [walletId, merchantId, currency, now, now],
    );
  });
  return { merchantId, apiKey, walletId };
}
