/**
 * The ledger's SQL: set-based, one statement per kind of change per batch. Everything but
 * {@link ensureAccounts} runs on the batch transaction's connection.
 */
import type { HoldStatus } from '../../schemas';
import type { Pool, PoolConnection, SqlWriter } from '../../storage/mysql';
import { LedgerError } from './ledger.errors';
import { ACCOUNT_KINDS, bigintOf, HOLD_STATUSES, nullableText, oneOf, rowsOf, safeInteger, SYSTEM_CODES, text, time, TRANSACTION_KINDS } from './ledger.rows';
import type { AccountSpec, AccountState, LedgerEntry, LedgerTransaction, StatusChange } from './types';

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
    `SELECT id, kind, status, currency, amount_minor, merchant_id, wallet_id, order_id, action_id, reverses_transaction_id, source_event_id, memo,
       created_at, settled_at
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
      reversesTransactionId: nullableText(row, 'reverses_transaction_id'),
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
 * Locks the batch's wallet accounts (`FOR UPDATE`, in id order) and reads its system accounts without
 * locking them. Every sale and settlement touches the same few system accounts (PSP clearing, platform
 * revenue…); locking them for the whole batch would serialise every ledger batch on them. No decision
 * reads a system balance, so their changes are written as increments, as the batch's last statement
 * ({@link addSystemBalances}), which holds their row locks only for the moment before commit.
 */
export async function lockAccounts(connection: PoolConnection, ids: readonly string[]): Promise<Map<string, AccountState>> {
  const accounts = new Map<string, AccountState>();
  if (ids.length === 0) return accounts;
  const unique = [...new Set(ids)].sort();
  const columns = `id, merchant_id, kind, system_code, currency, parent_account_id, is_default, credit_limit_minor, child_limit_minor,
       posted_minor, pending_in_minor, pending_out_minor`;
  // A plain read first tells wallets from system accounts; only the wallets are then locked (a locking
  // read would also wait on the system rows it scans, which other batches are incrementing).
  const [all] = await connection.query(`SELECT ${columns} FROM accounts WHERE id IN (?)`, [unique]);
  const read = rowsOf(all);
  const walletIds = read.filter((row) => row.kind !== 'system').map((row) => text(row, 'id'));
  const locked = walletIds.length === 0 ? [] : rowsOf((await connection.query(`SELECT ${columns} FROM accounts WHERE id IN (?) ORDER BY id FOR UPDATE`, [walletIds]))[0]);
  for (const row of [...read.filter((r) => r.kind === 'system'), ...locked]) {
    const systemCode = row.system_code;
    accounts.set(text(row, 'id'), {
      id: text(row, 'id'),
      merchantId: nullableText(row, 'merchant_id'),
      kind: oneOf(row, 'kind', ACCOUNT_KINDS),
      systemCode: systemCode === null ? null : oneOf(row, 'system_code', SYSTEM_CODES),
      currency: text(row, 'currency'),
      parentAccountId: nullableText(row, 'parent_account_id'),
      isDefault: Number(row.is_default) === 1,
      creditLimitMinor: bigintOf(row, 'credit_limit_minor'),
      childLimitMinor: row.child_limit_minor === null ? null : bigintOf(row, 'child_limit_minor'),
      postedMinor: bigintOf(row, 'posted_minor'),
      pendingInMinor: bigintOf(row, 'pending_in_minor'),
      pendingOutMinor: bigintOf(row, 'pending_out_minor'),
    });
  }
  return accounts;
}

/** Throws `LEDGER_ACCOUNT_MISSING` naming the `ids` absent from `accounts`. */
export function requireAccounts(accounts: ReadonlyMap<string, AccountState>, ids: readonly string[]): void {
  const missing = ids.filter((id) => !accounts.has(id));
  if (missing.length > 0) throw new LedgerError('LEDGER_ACCOUNT_MISSING', `accounts missing: ${missing.join(', ')}`);
}

/**
 * The enterprise pools the `walletIds` belong to (a child's parent, or a top-level enterprise wallet
 * itself): their top-level ids and the ids of all their children. A plain read: wallets never change
 * parent, and the caller locks the result and then checks it with {@link findPoolChildren}.
 */
export async function findPools(connection: PoolConnection, walletIds: readonly string[]): Promise<{ tops: string[]; children: string[] }> {
  if (walletIds.length === 0) return { tops: [], children: [] };
  const [result] = await connection.query("SELECT id, parent_account_id FROM accounts WHERE id IN (?) AND kind = 'enterprise'", [[...new Set(walletIds)]]);
  const tops = [...new Set(rowsOf(result).map((row) => nullableText(row, 'parent_account_id') ?? text(row, 'id')))].sort();
  return { tops, children: await findPoolChildren(connection, tops) };
}

/** The children of the enterprise wallets `topIds`. */
export async function findPoolChildren(connection: PoolConnection, topIds: readonly string[]): Promise<string[]> {
  if (topIds.length === 0) return [];
  const [result] = await connection.query('SELECT id FROM accounts WHERE parent_account_id IN (?)', [[...topIds]]);
  return rowsOf(result).map((row) => text(row, 'id'));
}

/** Inserts new transactions (one statement) and all their entries (one statement). */
export async function insertTransactions(connection: SqlWriter, transactions: readonly LedgerTransaction[]): Promise<void> {
  if (transactions.length === 0) return;
  await connection.query(
    `INSERT INTO ledger_transactions
       (id, kind, status, currency, amount_minor, merchant_id, wallet_id, order_id, action_id, reverses_transaction_id, source_event_id, memo,
        created_at, settled_at)
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
        t.reversesTransactionId,
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
export async function saveBalances(connection: SqlWriter, accounts: readonly AccountState[], now: number): Promise<void> {
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

/** A system account's change over one batch. */
export interface SystemBalanceDelta {
  id: string;
  postedMinor: bigint;
  pendingInMinor: bigint;
  pendingOutMinor: bigint;
}

/**
 * Adds the batch's changes to system accounts as increments (one statement, rows in id order). Meant
 * as the batch's last statement: see {@link lockAccounts}.
 */
export async function addSystemBalances(connection: SqlWriter, deltas: readonly SystemBalanceDelta[], now: number): Promise<void> {
  const changed = deltas.filter((d) => d.postedMinor !== 0n || d.pendingInMinor !== 0n || d.pendingOutMinor !== 0n).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (changed.length === 0) return;
  const at = new Date(now);
  for (const d of changed) {
    await connection.query(
      'UPDATE accounts SET posted_minor = posted_minor + ?, pending_in_minor = pending_in_minor + ?, pending_out_minor = pending_out_minor + ?, updated_at = ? WHERE id = ?',
      [d.postedMinor, d.pendingInMinor, d.pendingOutMinor, at, d.id],
    );
  }
}

/** Applies status changes: one statement per (status, settled time). */
export async function updateStatuses(connection: SqlWriter, changes: readonly StatusChange[]): Promise<void> {
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
