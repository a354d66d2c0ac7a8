import { randomUUID } from 'node:crypto';
import { createWallet, getWalletBalances, importOpeningBalances, listWalletTransactions, openingBalanceTransactionId, systemAccountId, type OpeningBalanceRow } from '../../../processors/ledger';
import { createTestDatabase, rows, type TestDatabase } from './processor.harness';
import { accountBalances, insertMerchant } from './wallet.fixtures';

describe('opening balances import', () => {
  let db: TestDatabase;
  let merchantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    merchantId = await insertMerchant(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('books one POSTED transaction per wallet against opening_balance, creating missing wallets; a re-run changes nothing', async () => {
    const existing = await createWallet(db.pool, { merchantId, kind: 'enterprise', currency: 'EUR' });
    const fresh = randomUUID();
    const dollars = randomUUID();
    const empty = randomUUID();
    const file: OpeningBalanceRow[] = [
      { walletId: existing.walletId, merchantId, kind: 'enterprise', currency: 'EUR', postedMinor: 120_000 },
      { walletId: fresh, merchantId, kind: 'PERSONAL', currency: 'EUR', postedMinor: 4_550 },
      { walletId: dollars, merchantId, kind: 'reseller', currency: 'USD', postedMinor: 99 },
      { walletId: empty, merchantId, kind: 'personal', currency: 'EUR', postedMinor: 0 },
    ];
    const results = await importOpeningBalances(db.pool, file, { importId: 'balances-2024-11.csv' });
    expect(results).toEqual([
      { walletId: existing.walletId, outcome: 'IMPORTED', ledgerTransactionId: openingBalanceTransactionId(existing.walletId), walletCreated: false, error: null },
      { walletId: fresh, outcome: 'IMPORTED', ledgerTransactionId: openingBalanceTransactionId(fresh), walletCreated: true, error: null },
      { walletId: dollars, outcome: 'IMPORTED', ledgerTransactionId: openingBalanceTransactionId(dollars), walletCreated: true, error: null },
      { walletId: empty, outcome: 'IMPORTED', ledgerTransactionId: openingBalanceTransactionId(empty), walletCreated: true, error: null },
    ]);
    expect(await getWalletBalances(db.pool, fresh)).toMatchObject({ merchantId, kind: 'personal', postedMinor: 4_550, pendingInMinor: 0, availableMinor: 4_550 });
    expect(await accountBalances(db.pool, existing.walletId)).toEqual({ posted: 120_000, pendingIn: 0, pendingOut: 0 });
    expect(await accountBalances(db.pool, systemAccountId('opening_balance', 'EUR'))).toEqual({ posted: -124_550, pendingIn: 0, pendingOut: 0 });
    expect(await accountBalances(db.pool, systemAccountId('opening_balance', 'USD'))).toEqual({ posted: -99, pendingIn: 0, pendingOut: 0 });
    expect(await listWalletTransactions(db.pool, fresh, { pageSize: 5 })).toEqual([
      expect.objectContaining({ ledgerTransactionId: openingBalanceTransactionId(fresh), kind: 'OPENING_BALANCE', status: 'POSTED', amountMinor: 4_550 }),
    ]);
    expect(await rows(db.pool, 'SELECT COUNT(*) AS n FROM ledger_entries WHERE transaction_id = ?', [openingBalanceTransactionId(empty)])).toEqual([{ n: 0 }]);

    const again = await importOpeningBalances(db.pool, file, { importId: 'balances-2024-11.csv (re-run)' });
    expect(again.map((r) => [r.outcome, r.walletCreated, r.error])).toEqual(file.map(() => ['UNCHANGED', false, null]));
    expect(await accountBalances(db.pool, existing.walletId)).toEqual({ posted: 120_000, pendingIn: 0, pendingOut: 0 });
    expect(await rows(db.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: 4 }]);
    const sums = await rows(db.pool, 'SELECT currency, SUM(posted_minor) AS posted FROM accounts GROUP BY currency ORDER BY currency');
    expect(sums.map((r) => [r.currency, Number(r.posted)])).toEqual([
      ['EUR', 0],
      ['USD', 0],
    ]);
  });

  it('fails the rows it cannot book, each with a code, and books the others', async () => {
    const wallet = randomUUID();
    await importOpeningBalances(db.pool, [{ walletId: wallet, merchantId, kind: 'personal', currency: 'EUR', postedMinor: 700 }], { importId: 'first' });
    const personal = await createWallet(db.pool, { merchantId, kind: 'personal', currency: 'EUR' });
    const good = randomUUID();
    const results = await importOpeningBalances(
      db.pool,
      [
        { walletId: wallet, merchantId, kind: 'personal', currency: 'EUR', postedMinor: 800 },
        { walletId: personal.walletId, merchantId, kind: 'personal', currency: 'USD', postedMinor: 1 },
        { walletId: randomUUID(), merchantId: randomUUID(), kind: 'personal', currency: 'EUR', postedMinor: 1 },
        { walletId: 'not-a-uuid', merchantId, kind: 'personal', currency: 'EUR', postedMinor: 1 },
        { walletId: randomUUID(), merchantId, kind: 'personal', currency: 'EUR', postedMinor: -5 },
        { walletId: randomUUID(), merchantId, kind: 'personal', currency: 'EUR', postedMinor: 1.5 },
        { walletId: good, merchantId, kind: 'personal', currency: 'EUR', postedMinor: 10 },
      ],
      { importId: 'second' },
    );
    expect(results.map((r) => [r.outcome, r.error?.code ?? null])).toEqual([
      ['FAILED', 'ALREADY_IMPORTED'],
      ['FAILED', 'WALLET_MISMATCH'],
      ['FAILED', 'MERCHANT_NOT_FOUND'],
      ['FAILED', 'WALLET_INVALID'],
      ['FAILED', 'WALLET_INVALID'],
      ['FAILED', 'WALLET_INVALID'],
      ['IMPORTED', null],
    ]);
    expect(results[0]?.error?.message).toBe(`wallet ${wallet} already has an opening balance of 700, not 800`);
    expect(await accountBalances(db.pool, wallet)).toEqual({ posted: 700, pendingIn: 0, pendingOut: 0 });
    expect(await accountBalances(db.pool, good)).toEqual({ posted: 10, pendingIn: 0, pendingOut: 0 });
    expect(await rows(db.pool, 'SELECT COUNT(*) AS n FROM accounts WHERE id = ?', [results[2]?.walletId])).toEqual([{ n: 0 }]);
  });
});
