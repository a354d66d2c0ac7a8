/**
 * Opening balances carried over from the system paystream replaces: one POSTED ledger transaction
 * per wallet (wallet +amount / `opening_balance` −amount), already confirmed by the old system, so
 * nothing is held and nothing is sent to the ERP. Idempotent per wallet: the transaction id is
 * `deriveId('opening-balance', walletId)`, so re-running a file changes nothing, and a different
 * amount for a wallet that has its opening balance already fails that row with `ALREADY_IMPORTED`.
 * Missing wallets are created (top-level, no credit limit). Chunks of rows run in one MySQL
 * transaction each, set-based like the ledger's batches.
 */
import { isCurrencyCode } from '../../money';
import { deriveId } from '../../schemas';
import { withTransaction, type Pool, type PoolConnection } from '../../storage/mysql';
import { systemAccountId, systemAccountSpec } from './ledger.accounts';
import { ensureAccounts, insertTransactions, lockAccounts, lockTransactions, requireAccounts, saveBalances } from './ledger.store';
import type { AccountState, LedgerTransaction } from './types';
import type { WalletErrorCode } from './wallet.errors';
import type { WalletKind } from './wallet.service';
import { existingMerchants, insertWallets, type NewWallet } from './wallet.store';

export interface OpeningBalanceRow {
  walletId: string;
  merchantId: string;
  kind: WalletKind | Uppercase<WalletKind>;
  currency: string;
  /** The wallet's confirmed balance in the old system, minor units, ≥ 0. */
  postedMinor: number;
}

export interface OpeningBalanceResult {
  walletId: string;
  /** IMPORTED: booked now; UNCHANGED: this very balance was imported before; FAILED: see `error`. */
  outcome: 'IMPORTED' | 'UNCHANGED' | 'FAILED';
  /** `deriveId('opening-balance', walletId)`; null when the row was unusable. */
  ledgerTransactionId: string | null;
  walletCreated: boolean;
  error: { code: WalletErrorCode; message: string } | null;
}

export interface ImportOpeningBalancesOptions {
  /** Names the import (e.g. the file's name or hash); recorded on each transaction. */
  importId: string;
}

const CHUNK = 500;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The opening-balance transaction of a wallet. */
export function openingBalanceTransactionId(walletId: string): string {
  return deriveId('opening-balance', walletId);
}

/** Imports the rows; one result per row, in row order. Throws only on storage failures (then nothing of the failing chunk is kept). */
export async function importOpeningBalances(pool: Pool, rows: readonly OpeningBalanceRow[], options: ImportOpeningBalancesOptions): Promise<OpeningBalanceResult[]> {
  const importId = options.importId.trim();
  if (importId === '' || importId.length > 200) throw new RangeError('importId must be 1..200 characters');
  const results: OpeningBalanceResult[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) results.push(...(await importChunk(pool, rows.slice(i, i + CHUNK), importId)));
  return results;
}

interface ValidRow {
  row: OpeningBalanceRow & { kind: WalletKind };
  transactionId: string;
}

async function importChunk(pool: Pool, rows: readonly OpeningBalanceRow[], importId: string): Promise<OpeningBalanceResult[]> {
  const results: OpeningBalanceResult[] = rows.map((row) => ({ walletId: row.walletId, outcome: 'FAILED', ledgerTransactionId: null, walletCreated: false, error: null }));
  const valid = new Map<number, ValidRow>();
  rows.forEach((row, index) => {
    const problem = problemOf(row);
    if (problem !== null) results[index] = fail(row.walletId, null, 'WALLET_INVALID', problem);
    else valid.set(index, { row: { ...row, kind: kindOf(row.kind) }, transactionId: openingBalanceTransactionId(row.walletId) });
  });
  if (valid.size === 0) return results;
  const currencies = [...new Set([...valid.values()].map((v) => v.row.currency))];
  await ensureAccounts(
    pool,
    currencies.map((c) => systemAccountSpec('opening_balance', c)),
  );
  const now = Date.now();
  await withTransaction(pool, async (connection) => {
    // The ledger's lock order: transactions, then accounts.
    const booked = await lockTransactions(
      connection,
      [...valid.values()].map((v) => v.transactionId),
    );
    const merchants = await existingMerchants(
      connection,
      [...valid.values()].map((v) => v.row.merchantId),
    );
    const systemIds = currencies.map((c) => systemAccountId('opening_balance', c));
    const accounts = await lockAccounts(connection, [...systemIds, ...[...valid.values()].map((v) => v.row.walletId)]);
    requireAccounts(accounts, systemIds);
    const created = await createMissingWallets(connection, [...valid.values()], accounts, merchants, now);
    const transactions: LedgerTransaction[] = [];
    const changed = new Set<string>();
    for (const [index, { row, transactionId }] of valid) {
      const wallet = accounts.get(row.walletId);
      // Reported on the first row of a wallet only.
      const walletCreated = created.delete(row.walletId);
      if (wallet === undefined) {
        results[index] = fail(row.walletId, transactionId, 'MERCHANT_NOT_FOUND', `merchant ${row.merchantId} not found`);
        continue;
      }
      if (wallet.merchantId !== row.merchantId || wallet.kind !== row.kind || wallet.currency !== row.currency) {
        const message = `wallet ${row.walletId} exists as a ${wallet.kind} wallet in ${wallet.currency} of merchant ${String(wallet.merchantId)}`;
        results[index] = fail(row.walletId, transactionId, 'WALLET_MISMATCH', message);
        continue;
      }
      const previous = booked.get(transactionId);
      if (previous !== undefined) {
        results[index] =
          previous.amountMinor === row.postedMinor
            ? { walletId: row.walletId, outcome: 'UNCHANGED', ledgerTransactionId: transactionId, walletCreated, error: null }
            : fail(row.walletId, transactionId, 'ALREADY_IMPORTED', `wallet ${row.walletId} already has an opening balance of ${previous.amountMinor}, not ${row.postedMinor}`);
        continue;
      }
      const transaction = openingTransaction(row, transactionId, importId, now);
      for (const entry of transaction.entries) {
        const account = accounts.get(entry.accountId);
        if (account === undefined) continue;
        account.postedMinor += BigInt(entry.amountMinor);
        changed.add(account.id);
      }
      booked.set(transactionId, transaction);
      transactions.push(transaction);
      results[index] = { walletId: row.walletId, outcome: 'IMPORTED', ledgerTransactionId: transactionId, walletCreated, error: null };
    }
    await insertTransactions(connection, transactions);
    await saveBalances(
      connection,
      [...changed].flatMap((id) => accounts.get(id) ?? []),
      now,
    );
  });
  return results;
}

/** Inserts the wallets that do not exist (for merchants that do) and adds them to `accounts`; returns their ids. */
async function createMissingWallets(
  connection: PoolConnection,
  rows: readonly ValidRow[],
  accounts: Map<string, AccountState>,
  merchants: ReadonlySet<string>,
  now: number,
): Promise<Set<string>> {
  const wallets = new Map<string, NewWallet>();
  for (const { row } of rows) {
    if (accounts.has(row.walletId) || wallets.has(row.walletId) || !merchants.has(row.merchantId)) continue;
    wallets.set(row.walletId, {
      id: row.walletId,
      merchantId: row.merchantId,
      kind: row.kind,
      name: null,
      currency: row.currency,
      parentAccountId: null,
      creditLimitMinor: 0,
      childLimitMinor: null,
      createdAt: now,
    });
  }
  await insertWallets(connection, [...wallets.values()]);
  for (const wallet of wallets.values()) {
    accounts.set(wallet.id, {
      id: wallet.id,
      merchantId: wallet.merchantId,
      kind: wallet.kind,
      systemCode: null,
      currency: wallet.currency,
      parentAccountId: null,
      isDefault: false,
      creditLimitMinor: 0n,
      childLimitMinor: null,
      postedMinor: 0n,
      pendingInMinor: 0n,
      pendingOutMinor: 0n,
    });
  }
  return new Set(wallets.keys());
}

function openingTransaction(row: ValidRow['row'], id: string, importId: string, now: number): LedgerTransaction {
  return {
    id,
    kind: 'OPENING_BALANCE',
    status: 'POSTED',
    currency: row.currency,
    amountMinor: row.postedMinor,
    merchantId: row.merchantId,
    walletId: row.walletId,
    orderId: null,
    actionId: null,
    reversesTransactionId: null,
    sourceEventId: deriveId('opening-balance-import', importId),
    memo: `Opening balance (import ${importId})`.slice(0, 500),
    createdAt: now,
    settledAt: now,
    // A zero balance is recorded (the wallet has its opening balance) but moves nothing.
    entries:
      row.postedMinor === 0
        ? []
        : [
            { accountId: systemAccountId('opening_balance', row.currency), amountMinor: -row.postedMinor },
            { accountId: row.walletId, amountMinor: row.postedMinor },
          ],
  };
}

function problemOf(row: OpeningBalanceRow): string | null {
  if (!UUID.test(row.walletId)) return `walletId must be a UUID, got "${row.walletId}"`;
  if (!UUID.test(row.merchantId)) return `merchantId must be a UUID, got "${row.merchantId}"`;
  if (!['personal', 'enterprise', 'reseller'].includes(row.kind.toLowerCase())) return `kind must be personal, enterprise or reseller, got "${row.kind}"`;
  if (!isCurrencyCode(row.currency)) return `currency must be an ISO 4217 code, got "${row.currency}"`;
  if (!Number.isSafeInteger(row.postedMinor) || row.postedMinor < 0) return `postedMinor must be a non-negative safe integer, got ${String(row.postedMinor)}`;
  return null;
}

function kindOf(kind: string): WalletKind {
  const lower = kind.toLowerCase();
  return lower === 'enterprise' ? 'enterprise' : lower === 'reseller' ? 'reseller' : 'personal';
}

function fail(walletId: string, ledgerTransactionId: string | null, code: WalletErrorCode, message: string): OpeningBalanceResult {
  return { walletId, outcome: 'FAILED', ledgerTransactionId, walletCreated: false, error: { code, message } };
}
