/**
 * SQL on wallets outside the ledger's batches: creating them, reading their balances and the ledger
 * transactions that touch them.
 */
import type { Pool, PoolConnection } from '../../storage/mysql';
import { ACCOUNT_KINDS, bigintOf, nullableText, nullableTime, oneOf, rowsOf, safeInteger, text, time, TRANSACTION_KINDS, HOLD_STATUSES, type Row } from './ledger.rows';
import type { AccountKind, LedgerTransactionKind } from './types';
import type { HoldStatus } from '../../schemas';

/** A wallet row (`accounts`, not a system account) with its balances as read. */
export interface StoredWallet {
  id: string;
  merchantId: string | null;
  kind: AccountKind;
  name: string | null;
  currency: string;
  parentAccountId: string | null;
  isDefault: boolean;
  creditLimitMinor: bigint;
  childLimitMinor: bigint | null;
  postedMinor: bigint;
  pendingInMinor: bigint;
  pendingOutMinor: bigint;
  createdAt: number;
}

/** A new wallet to insert, with zero balances. */
export interface NewWallet {
  id: string;
  merchantId: string;
  kind: Exclude<AccountKind, 'system'>;
  name: string | null;
  currency: string;
  parentAccountId: string | null;
  creditLimitMinor: number;
  childLimitMinor: number | null;
  createdAt: number;
}

const WALLET_COLUMNS = `id, merchant_id, kind, name, currency, parent_account_id, is_default, credit_limit_minor, child_limit_minor,
  posted_minor, pending_in_minor, pending_out_minor, created_at`;

function walletOf(row: Row): StoredWallet {
  return {
    id: text(row, 'id'),
    merchantId: nullableText(row, 'merchant_id'),
    kind: oneOf(row, 'kind', ACCOUNT_KINDS),
    name: nullableText(row, 'name'),
    currency: text(row, 'currency'),
    parentAccountId: nullableText(row, 'parent_account_id'),
    isDefault: Number(row.is_default) === 1,
    creditLimitMinor: bigintOf(row, 'credit_limit_minor'),
    childLimitMinor: row.child_limit_minor === null ? null : bigintOf(row, 'child_limit_minor'),
    postedMinor: bigintOf(row, 'posted_minor'),
    pendingInMinor: bigintOf(row, 'pending_in_minor'),
    pendingOutMinor: bigintOf(row, 'pending_out_minor'),
    createdAt: time(row, 'created_at'),
  };
}

/** Whether the merchant exists. */
export async function merchantExists(db: Pool | PoolConnection, merchantId: string): Promise<boolean> {
  const [result] = await db.query('SELECT id FROM merchants WHERE id = ?', [merchantId]);
  return rowsOf(result).length > 0;
}

/** Which of the merchants exist. */
export async function existingMerchants(db: Pool | PoolConnection, merchantIds: readonly string[]): Promise<Set<string>> {
  if (merchantIds.length === 0) return new Set();
  const [result] = await db.query('SELECT id FROM merchants WHERE id IN (?)', [[...new Set(merchantIds)]]);
  return new Set(rowsOf(result).map((row) => text(row, 'id')));
}

/** One wallet (or account) by id; `lock` takes its row lock (FOR UPDATE) in the caller's transaction. */
export async function selectWallet(db: Pool | PoolConnection, id: string, lock = false): Promise<StoredWallet | undefined> {
  const [result] = await db.query(`SELECT ${WALLET_COLUMNS} FROM accounts WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, [id]);
  const [row] = rowsOf(result);
  return row === undefined ? undefined : walletOf(row);
}

/** An enterprise pool in one statement (one consistent read): the top-level wallet and its children. */
export async function selectPool(db: Pool | PoolConnection, topId: string): Promise<StoredWallet[]> {
  const [result] = await db.query(`SELECT ${WALLET_COLUMNS} FROM accounts WHERE id = ? OR parent_account_id = ?`, [topId, topId]);
  return rowsOf(result).map(walletOf);
}

/** Inserts wallets with zero balances, in one statement. */
export async function insertWallets(connection: PoolConnection, wallets: readonly NewWallet[]): Promise<void> {
  if (wallets.length === 0) return;
  await connection.query(
    `INSERT INTO accounts
       (id, merchant_id, kind, name, system_code, currency, parent_account_id, is_default, credit_limit_minor, child_limit_minor,
        posted_minor, pending_in_minor, pending_out_minor, created_at, updated_at)
     VALUES ?`,
    [
      wallets.map((w) => [
        w.id,
        w.merchantId,
        w.kind,
        w.name,
        null,
        w.currency,
        w.parentAccountId,
        0,
        w.creditLimitMinor,
        w.childLimitMinor,
        0,
        0,
        0,
        new Date(w.createdAt),
        new Date(w.createdAt),
      ]),
    ],
  );
}

/** A ledger transaction as it touches one wallet. */
export interface WalletEntryRow {
  transactionId: string;
  kind: LedgerTransactionKind;
  status: HoldStatus;
  currency: string;
  /** The transaction's gross amount. */
  transactionAmountMinor: number;
  /** This wallet's entry (signed: positive credits the wallet). */
  amountMinor: number;
  merchantId: string;
  actionId: string | null;
  orderId: string | null;
  reversesTransactionId: string | null;
  memo: string;
  createdAt: number;
  settledAt: number | null;
}

/**
 * The wallet's entries with their transactions, newest first, strictly before the (created_at,
 * transaction id) cursor when one is given; served by `ledger_entries_account_time` (migration 008).
 */
export async function selectWalletEntries(
  pool: Pool,
  walletId: string,
  limit: number,
  before: { createdAt: number; transactionId: string | null } | null,
): Promise<WalletEntryRow[]> {
  const params: unknown[] = [walletId];
  let cursor = '';
  if (before !== null) {
    const at = new Date(before.createdAt);
    if (before.transactionId === null) {
      cursor = 'AND e.created_at < ?';
      params.push(at);
    } else {
      cursor = 'AND (e.created_at < ? OR (e.created_at = ? AND e.transaction_id < ?))';
      params.push(at, at, before.transactionId);
    }
  }
  params.push(limit);
  const [result] = await pool.query(
    `SELECT e.transaction_id, e.amount_minor AS entry_minor, t.kind, t.status, t.currency, t.amount_minor, t.merchant_id, t.action_id, t.order_id,
       t.reverses_transaction_id, t.memo, t.created_at, t.settled_at
     FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
     WHERE e.account_id = ? ${cursor}
     ORDER BY e.created_at DESC, e.transaction_id DESC
     LIMIT ?`,
    params,
  );
  return rowsOf(result).map((row) => ({
    transactionId: text(row, 'transaction_id'),
    kind: oneOf(row, 'kind', TRANSACTION_KINDS),
    status: oneOf(row, 'status', HOLD_STATUSES),
    currency: text(row, 'currency'),
    transactionAmountMinor: safeInteger(row, 'amount_minor'),
    amountMinor: safeInteger(row, 'entry_minor'),
    merchantId: text(row, 'merchant_id'),
    actionId: nullableText(row, 'action_id'),
    orderId: nullableText(row, 'order_id'),
    reversesTransactionId: nullableText(row, 'reverses_transaction_id'),
    memo: text(row, 'memo'),
    createdAt: time(row, 'created_at'),
    settledAt: nullableTime(row, 'settled_at'),
  }));
}
