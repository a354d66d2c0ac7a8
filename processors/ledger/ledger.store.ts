/**
 * The ledger's SQL: set-based, one statement per kind of change per batch. Everything but
 * {@link ensureAccounts} runs on the batch transaction's connection.
 */
import type { HoldStatus } from '../../schemas';
import type { Pool, PoolConnection } from '../../storage/mysql';
import { LedgerError } from './ledger.errors';
import type { AccountKind, AccountSpec, AccountState, LedgerEntry, LedgerTransaction, LedgerTransactionKind, StatusChange, SystemAccountCode } from './types';

/**
 * Creates the accounts that do not exist yet, outside the batch transaction (an empty account is
 * harmless if the batch then fails). Doing it before the transaction keeps the transaction's locks to
 * rows that exist, taken in one fixed order; `INSERT IGNORE` lets a concurrent creator win. Returns
 * how many it created.
 */
export async function ensureAccounts(pool: Pool, specs: readonly AccountSpec[]): Promise<number> {
  const byId = new Map(specs.map((s) => [s.id, s]));
  if (byId.size === 0) return 0;
  const [result] = await pool.query('SELECT id FROM accounts WHERE id IN (?)', [[...byId.keys()]]);
  for (const row of rowsOf(result)) byId.delete(text(row, 'id'));
  if (byId.size === 0) return 0;
  const now = new Date();
  await pool.query('INSERT IGNORE INTO accounts (id, merchant_id, kind, system_code, currency, is_default, created_at, updated_at) VALUES ?', [
    [...byId.values()].map((s) => [s.id, s.merchantId, s.kind, s.systemCode, s.currency, s.isDefault ? 1 : 0, now, now]),
  ]);
  return byId.size;
}

/**
 * Locks the named transactions (in id order) and loads them with their entries. The entries are read
 * after the lock is held, so the read sees every transaction whose lock it waited for.
 */
export async function lockTransactions(connection: PoolConnection, ids: readonly string[]): Promise<Map<string, LedgerTransaction>> {
  const transactions = new Map<string, LedgerTransaction>();
  if (ids.length === 0) return transactions;
  const [result] = await connection.query(
    `SELECT id, kind, status, currency, amount_minor, merchant_id, wallet_id, order_id, action_id, source_event_id, memo, created_at, settled_at
     FROM ledger_transactions WHERE id IN (?) ORDER BY id FOR UPDATE`,
    [[...new Set(ids)]],
  );
  for (const row of rowsOf(result)) {
    const settledAt = row.settled_at;
    transactions.set(text(row, 'id'), {
      id: text(row, 'id'),
      kind: oneOf(row, 'kind', TRANSACTION_KINDS),
      status: oneOf(row, 'status', HOLD_STATUSES),
      currency: text(row, 'currency'),
      amountMinor: safeInteger(row, 'amount_minor'),
      merchantId: text(row, 'merchant_id'),
      walletId: text(row, 'wallet_id'),
      orderId: nullableText(row, 'order_id'),
      actionId: nullableText(row, 'action_id'),
      sourceEventId: text(row, 'source_event_id'),
      memo: text(row, 'memo'),
      createdAt: time(row, 'created_at'),
      settledAt: settledAt === null ? null : time(row, 'settled_at'),
      entries: [],
    });
  }
  if (transactions.size === 0) return transactions;
  const [entryRows] = await connection.query('SELECT transaction_id, account_id, amount_minor FROM ledger_entries WHERE transaction_id IN (?) ORDER BY id', [
    [...transactions.keys()],
  ]);
  for (const row of rowsOf(entryRows)) {
    const entry: LedgerEntry = { accountId: text(row, 'account_id'), amountMinor: safeInteger(row, 'amount_minor') };
    transactions.get(text(row, 'transaction_id'))?.entries.push(entry);
  }
  return transactions;
}

/** Which of `orderIds` already have a ledger transaction. */
export async function findCreditedOrders(connection: PoolConnection, orderIds: readonly string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const [result] = await connection.query('SELECT order_id FROM ledger_transactions WHERE order_id IN (?)', [[...new Set(orderIds)]]);
  return new Set(rowsOf(result).map((row) => text(row, 'order_id')));
}

/**
 * Locks the accounts in one statement, in id order: every ledger consumer locks in the same order,
 * so concurrent batches wait for each other instead of deadlocking. Throws `LEDGER_ACCOUNT_MISSING`
 * when one does not exist.
 */
export async function lockAccounts(connection: PoolConnection, ids: readonly string[]): Promise<Map<string, AccountState>> {
  const accounts = new Map<string, AccountState>();
  if (ids.length === 0) return accounts;
  const unique = [...new Set(ids)].sort();
  const [result] = await connection.query(
    `SELECT id, merchant_id, kind, system_code, currency, is_default, credit_limit_minor, posted_minor, pending_in_minor, pending_out_minor
     FROM accounts WHERE id IN (?) ORDER BY id FOR UPDATE`,
    [unique],
  );
  for (const row of rowsOf(result)) {
    const systemCode = row.system_code;
    accounts.set(text(row, 'id'), {
      id: text(row, 'id'),
      merchantId: nullableText(row, 'merchant_id'),
      kind: oneOf(row, 'kind', ACCOUNT_KINDS),
      systemCode: systemCode === null ? null : oneOf(row, 'system_code', SYSTEM_CODES),
      currency: text(row, 'currency'),
      isDefault: Number(row.is_default) === 1,
      creditLimitMinor: bigintOf(row, 'credit_limit_minor'),
      postedMinor: bigintOf(row, 'posted_minor'),
      pendingInMinor: bigintOf(row, 'pending_in_minor'),
      pendingOutMinor: bigintOf(row, 'pending_out_minor'),
    });
  }
  const missing = unique.filter((id) => !accounts.has(id));
  if (missing.length > 0) throw new LedgerError('LEDGER_ACCOUNT_MISSING', `accounts missing: ${missing.join(', ')}`);
  return accounts;
}

/** Inserts new transactions (one statement) and all their entries (one statement). */
export async function insertTransactions(connection: PoolConnection, transactions: readonly LedgerTransaction[]): Promise<void> {
  if (transactions.length === 0) return;
  await connection.query(
    `INSERT INTO ledger_transactions
       (id, kind, status, currency, amount_minor, merchant_id, wallet_id, order_id, action_id, source_event_id, memo, created_at, settled_at)
     VALUES ?`,
    [
      transactions.map((t) => [
        t.id,
        t.kind,
        t.status,
        t.currency,
        t.amountMinor,
        t.merchantId,
        t.walletId,
        t.orderId,
        t.actionId,
        t.sourceEventId,
        t.memo,
        new Date(t.createdAt),
        t.settledAt === null ? null : new Date(t.settledAt),
      ]),
    ],
  );
  const entries = transactions.flatMap((t) => t.entries.map((e) => [t.id, e.accountId, e.amountMinor, t.currency, new Date(t.createdAt)]));
  if (entries.length === 0) return;
  await connection.query('INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) VALUES ?', [entries]);
}

/**
 * Writes the accounts' new balances as absolute values in one multi-row upsert. Safe because the
 * batch holds every one of these rows locked since it read them.
 */
export async function saveBalances(connection: PoolConnection, accounts: readonly AccountState[], now: number): Promise<void> {
  if (accounts.length === 0) return;
  const at = new Date(now);
  await connection.query(
    `INSERT INTO accounts
       (id, merchant_id, kind, system_code, currency, is_default, credit_limit_minor, posted_minor, pending_in_minor, pending_out_minor, created_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE posted_minor = VALUES(posted_minor), pending_in_minor = VALUES(pending_in_minor),
       pending_out_minor = VALUES(pending_out_minor), updated_at = VALUES(updated_at)`,
    [
      accounts.map((a) => [
        a.id,
        a.merchantId,
        a.kind,
        a.systemCode,
        a.currency,
        a.isDefault ? 1 : 0,
        a.creditLimitMinor,
        a.postedMinor,
        a.pendingInMinor,
        a.pendingOutMinor,
        at,
        at,
      ]),
    ],
  );
}

/** Applies status changes: one statement per (status, settled time). */
export async function updateStatuses(connection: PoolConnection, changes: readonly StatusChange[]): Promise<void> {
  const groups = new Map<string, { status: HoldStatus; settledAt: number; ids: string[] }>();
  for (const change of changes) {
    const key = `${change.status}@${change.settledAt}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { status: change.status, settledAt: change.settledAt, ids: [change.transactionId] });
    else group.ids.push(change.transactionId);
  }
  for (const group of groups.values()) {
    await connection.query('UPDATE ledger_transactions SET status = ?, settled_at = ? WHERE id IN (?)', [group.status, new Date(group.settledAt), group.ids]);
  }
}

const TRANSACTION_KINDS: readonly LedgerTransactionKind[] = ['SALE', 'TOP_UP', 'USAGE', 'TRANSFER', 'VOID', 'OPENING_BALANCE'];
const HOLD_STATUSES: readonly HoldStatus[] = ['HELD', 'POSTED', 'RELEASED', 'REJECTED', 'VOIDED'];
const ACCOUNT_KINDS: readonly AccountKind[] = ['personal', 'enterprise', 'reseller', 'system'];
const SYSTEM_CODES: readonly SystemAccountCode[] = ['psp_clearing', 'platform_revenue', 'erp_suspense', 'opening_balance'];

type Row = Record<string, unknown>;

/** The rows of a SELECT, checked rather than cast. */
function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) throw corrupt('a SELECT returned no rows array');
  return result.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw corrupt('a SELECT returned a row that is not an object');
    return row as Row;
  });
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw corrupt(`column ${column} is not text`);
  return value;
}

function nullableText(row: Row, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}

function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = text(row, column);
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw corrupt(`column ${column} holds unknown value "${value}"`);
  return match;
}

/** BIGINT columns come back as numbers, or as strings beyond 2^53 (`supportBigNumbers`). */
function bigintOf(row: Row, column: string): bigint {
  const value = row[column];
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw corrupt(`column ${column} is not an integer`);
}

function safeInteger(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw corrupt(`column ${column} is not a safe integer`);
}

function time(row: Row, column: string): number {
  const value = row[column];
  if (value instanceof Date) return value.getTime();
  throw corrupt(`column ${column} is not a DATETIME`);
}

function corrupt(message: string): LedgerError {
  return new LedgerError('LEDGER_CORRUPT_ROW', `ledger store: ${message}`);
}
