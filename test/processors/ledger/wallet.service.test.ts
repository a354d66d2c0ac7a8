import { randomUUID } from 'node:crypto';
import { createWallet, getWalletBalances, isWalletError, listWalletTransactions, systemAccountId, type WalletErrorCode } from '../../../processors/ledger';
import { createTestDatabase, rows, type TestDatabase } from './processor.harness';
import { insertMerchant } from './wallet.fixtures';

/** The code and field of the WalletError `work` throws. */
async function failure(work: Promise<unknown>): Promise<{ code: WalletErrorCode; field: string | null; retryable: boolean }> {
  try {
    await work;
  } catch (err) {
    if (isWalletError(err)) return { code: err.code, field: err.field, retryable: err.retryable };
    throw err;
  }
  throw new Error('expected a WalletError');
}

/** Books a POSTED transaction straight into the tables (entries + balances), to read back. */
async function book(db: TestDatabase, walletId: string, amountMinor: number, createdAt: Date, status = 'POSTED'): Promise<string> {
  const id = randomUUID();
  const other = systemAccountId('topup_clearing', 'EUR');
  await db.pool.query(
    `INSERT INTO ledger_transactions (id, kind, status, currency, amount_minor, merchant_id, wallet_id, source_event_id, memo, created_at)
     VALUES (?, 'TOP_UP', ?, 'EUR', ?, ?, ?, ?, 'test', ?)`,
    [id, status, Math.abs(amountMinor), randomUUID(), walletId, randomUUID(), createdAt],
  );
  await db.pool.query('INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) VALUES ?', [
    [
      [id, walletId, amountMinor, 'EUR', createdAt],
      [id, other, -amountMinor, 'EUR', createdAt],
    ],
  ]);
  return id;
}

describe('wallets: create, balances, transactions', () => {
  let db: TestDatabase;
  let merchantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    merchantId = await insertMerchant(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates wallets of each kind, children under the same merchant, kind and currency', async () => {
    const personal = await createWallet(db.pool, { merchantId, kind: 'personal', currency: 'EUR', name: '  Main  ' });
    expect(personal).toMatchObject({ merchantId, kind: 'personal', currency: 'EUR', name: 'Main', parentWalletId: null, creditLimitMinor: 0, childLimitMinor: null, isDefault: false });
    const enterprise = await createWallet(db.pool, { merchantId, kind: 'ENTERPRISE', currency: 'EUR', creditLimitMinor: 50_000 });
    const child = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR', parentWalletId: enterprise.walletId, childLimitMinor: 1_000 });
    const reseller = await createWallet(db.pool, { merchantId, kind: 'reseller', currency: 'EUR' });
    const sub = await createWallet(db.pool, { merchantId, kind: 'reseller', currency: 'EUR', parentWalletId: reseller.walletId });
    expect(child).toMatchObject({ kind: 'enterprise', parentWalletId: enterprise.walletId, childLimitMinor: 1_000, creditLimitMinor: 0 });
    expect(sub).toMatchObject({ kind: 'reseller', parentWalletId: reseller.walletId });
    expect(await rows(db.pool, 'SELECT kind, name, parent_account_id, credit_limit_minor, child_limit_minor FROM accounts WHERE id = ?', [child.walletId])).toEqual([
      { kind: 'enterprise', name: null, parent_account_id: enterprise.walletId, credit_limit_minor: 0, child_limit_minor: 1_000 },
    ]);
  });

  it('refuses wallets that break the rules, with a code and the field at fault', async () => {
    const enterprise = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR' });
    const child = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR', parentWalletId: enterprise.walletId });
    const personal = await createWallet(db.pool, { merchantId, kind: 'personal', currency: 'EUR' });
    const reseller = await createWallet(db.pool, { merchantId, kind: 'reseller', currency: 'EUR' });
    const otherMerchant = await insertMerchant(db.pool);
    const theirs = await createWallet(db.pool, { merchantId: otherMerchant, kind: 'enterprise', currency: 'EUR' });
    const base = { merchantId, currency: 'EUR' };
    const cases: [() => Promise<unknown>, WalletErrorCode, string | null][] = [
      [() => createWallet(db.pool, { ...base, kind: 'personal', creditLimitMinor: 1 }), 'WALLET_INVALID', 'creditLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'reseller', creditLimitMinor: 1 }), 'WALLET_INVALID', 'creditLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', parentWalletId: enterprise.walletId, creditLimitMinor: 1 }), 'WALLET_INVALID', 'creditLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', creditLimitMinor: -1 }), 'WALLET_INVALID', 'creditLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', childLimitMinor: 5 }), 'WALLET_INVALID', 'childLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'reseller', parentWalletId: reseller.walletId, childLimitMinor: 5 }), 'WALLET_INVALID', 'childLimitMinor'],
      [() => createWallet(db.pool, { ...base, kind: 'personal', parentWalletId: personal.walletId }), 'WALLET_INVALID', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', currency: 'EURO' }), 'WALLET_INVALID', 'currency'],
      [() => createWallet(db.pool, { merchantId, kind: 'system' as 'personal', currency: 'EUR' }), 'WALLET_INVALID', 'kind'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', parentWalletId: randomUUID() }), 'PARENT_NOT_FOUND', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', parentWalletId: theirs.walletId }), 'PARENT_NOT_FOUND', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', parentWalletId: child.walletId }), 'PARENT_INVALID', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'reseller', parentWalletId: enterprise.walletId }), 'PARENT_INVALID', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', currency: 'USD', parentWalletId: enterprise.walletId }), 'PARENT_INVALID', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, kind: 'enterprise', parentWalletId: personal.walletId }), 'PARENT_INVALID', 'parentWalletId'],
      [() => createWallet(db.pool, { ...base, merchantId: randomUUID(), kind: 'personal' }), 'MERCHANT_NOT_FOUND', null],
    ];
    for (const [work, code, field] of cases) expect(await failure(work())).toEqual({ code, field, retryable: false });
    expect(await rows(db.pool, 'SELECT COUNT(*) AS n FROM accounts WHERE parent_account_id = ?', [child.walletId])).toEqual([{ n: 0 }]);
  });

  it('gives balances, with the pool and what may be spent for enterprise wallets', async () => {
    const parent = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR', creditLimitMinor: 1_000 });
    const child = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR', parentWalletId: parent.walletId, childLimitMinor: 400 });
    await db.pool.query('UPDATE accounts SET posted_minor = 2000, pending_in_minor = 300, pending_out_minor = 500 WHERE id = ?', [parent.walletId]);
    await db.pool.query('UPDATE accounts SET posted_minor = 0, pending_out_minor = 250 WHERE id = ?', [child.walletId]);

    expect(await getWalletBalances(db.pool, parent.walletId)).toEqual({
      walletId: parent.walletId,
      merchantId,
      kind: 'enterprise',
      currency: 'EUR',
      parentWalletId: null,
      postedMinor: 2_000,
      pendingInMinor: 300,
      pendingOutMinor: 500,
      availableMinor: 2_500,
      shadowMinor: 1_800,
      creditLimitMinor: 1_000,
      childLimitMinor: null,
      poolAvailableMinor: 2_250,
      spendableMinor: 2_250,
    });
    expect(await getWalletBalances(db.pool, child.walletId)).toMatchObject({ availableMinor: -250, poolAvailableMinor: 2_250, spendableMinor: 150, childLimitMinor: 400 });
    const personal = await createWallet(db.pool, { merchantId, kind: 'personal', currency: 'EUR' });
    const balances = await getWalletBalances(db.pool, personal.walletId);
    expect(balances).toMatchObject({ postedMinor: 0, availableMinor: 0, spendableMinor: 0 });
    expect('poolAvailableMinor' in balances).toBe(false);
    expect((await failure(getWalletBalances(db.pool, randomUUID()))).code).toBe('WALLET_NOT_FOUND');
  });

  it('lists the transactions touching a wallet newest first, with the signed amount for it, page by page', async () => {
    const { walletId } = await createWallet(db.pool, { merchantId, kind: 'personal', currency: 'EUR' });
    const at = (s: number): Date => new Date(Date.UTC(2024, 10, 22, 10, 0, s));
    const ids = [await book(db, walletId, 1_000, at(1)), await book(db, walletId, -300, at(2), 'HELD'), await book(db, walletId, 50, at(2)), await book(db, walletId, -20, at(3))];
    const newestFirst = [ids[3], ...[ids[1], ids[2]].sort().reverse(), ids[0]];

    const first = await listWalletTransactions(db.pool, walletId, { pageSize: 3 });
    expect(first.map((t) => t.ledgerTransactionId)).toEqual(newestFirst.slice(0, 3));
    expect(first[0]).toMatchObject({ kind: 'TOP_UP', status: 'POSTED', amountMinor: -20, transactionAmountMinor: 20, currency: 'EUR', createdAt: at(3).getTime() });
    const last = first[2];
    if (last === undefined) throw new Error('page too short');
    const second = await listWalletTransactions(db.pool, walletId, { pageSize: 3, beforeCreatedAt: last.createdAt, beforeId: last.ledgerTransactionId });
    expect(second.map((t) => t.ledgerTransactionId)).toEqual(newestFirst.slice(3));
    expect(second[0]).toMatchObject({ amountMinor: 1_000 });
    expect(await listWalletTransactions(db.pool, walletId, { pageSize: 10, beforeCreatedAt: at(2).getTime() })).toHaveLength(1);
    expect((await failure(listWalletTransactions(db.pool, walletId, { pageSize: 0 }))).code).toBe('WALLET_INVALID');
    expect((await failure(listWalletTransactions(db.pool, randomUUID(), { pageSize: 5 }))).code).toBe('WALLET_NOT_FOUND');
  });
});
