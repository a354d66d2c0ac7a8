import { createHash } from 'node:crypto';
import { createMerchant, ValidationError } from '../../../gateway';
import { deriveId } from '../../../schemas';
import type { TestDatabase } from '../../helpers/mysql';
import { createTestDatabase } from '../../helpers/mysql';

describe('createMerchant', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates the merchant, its hashed API key and its default wallet', async () => {
    const created = await createMerchant(db.pool, { name: 'Shop', email: 'shop@example.com', phone: '+14155550123', currency: 'EUR' });
    expect(created.apiKey).toMatch(/^psk_[A-Za-z0-9_-]{43}$/);
    expect(created.walletId).toBe(deriveId('default-wallet', created.merchantId, 'EUR'));

    const [merchants] = await db.pool.query('SELECT name, email, phone, default_currency FROM merchants WHERE id = ?', [created.merchantId]);
    expect(merchants).toEqual([{ name: 'Shop', email: 'shop@example.com', phone: '+14155550123', default_currency: 'EUR' }]);
    const [keys] = await db.pool.query('SELECT key_hash, revoked_at FROM api_keys WHERE merchant_id = ?', [created.merchantId]);
    expect(keys).toEqual([{ key_hash: createHash('sha256').update(created.apiKey).digest('hex'), revoked_at: null }]);
    const [wallets] = await db.pool.query('SELECT id, kind, currency, is_default, posted_minor FROM accounts WHERE merchant_id = ?', [created.merchantId]);
    expect(wallets).toEqual([{ id: created.walletId, kind: 'personal', currency: 'EUR', is_default: 1, posted_minor: 0 }]);
  });

  it('gives every merchant its own id and key', async () => {
    const input = { name: 'Shop', email: 'shop@example.com', phone: '+14155550123', currency: 'USD' };
    const [a, b] = await Promise.all([createMerchant(db.pool, input), createMerchant(db.pool, input)]);
    expect(a.merchantId).not.toBe(b.merchantId);
    expect(a.apiKey).not.toBe(b.apiKey);
  });

  it.each([
    ['name', { name: '' }],
    ['email', { email: 'nope' }],
    ['phone', { phone: '' }],
    ['phone', { phone: '0123' }],
    ['currency', { currency: 'ABC' }],
  ])('refuses a bad %s and writes nothing', async (fieldName, override) => {
    const [before] = await db.pool.query('SELECT COUNT(*) AS n FROM merchants');
    const input = { name: 'Shop', email: 'shop@example.com', phone: '+14155550123', currency: 'USD', ...override };
    await expect(createMerchant(db.pool, input)).rejects.toMatchObject({ field: fieldName });
    await expect(createMerchant(db.pool, input)).rejects.toBeInstanceOf(ValidationError);
    const [after] = await db.pool.query('SELECT COUNT(*) AS n FROM merchants');
    expect(after).toEqual(before);
  });
});
