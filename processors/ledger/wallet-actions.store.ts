/**
 * The ledger's SQL on `wallet_actions`: the gateway inserts the rows (PENDING); the ledger locks
 * those a batch decides or settles and writes their outcome, all in one statement each.
 */
import type { PoolConnection, SqlWriter } from '../../storage/mysql';
import { ACTION_STATUSES, nullableSafeInteger, nullableText, nullableTime, oneOf, rowsOf, text } from './ledger.rows';
import type { ActionRecord, ActionUpdate } from './types';

const ACTION_KINDS = ['TOP_UP', 'USAGE', 'TRANSFER', 'VOID'] as const;

/** Locks the named actions in id order (after the batch's ledger transactions, before its accounts) and reads them. */
export async function lockActions(connection: PoolConnection, ids: readonly string[]): Promise<Map<string, ActionRecord>> {
  const actions = new Map<string, ActionRecord>();
  if (ids.length === 0) return actions;
  const [result] = await connection.query(
    `SELECT id, merchant_id, kind, wallet_id, counterparty_wallet_id, amount_minor, currency, voids_action_id, status, reason_code, reason,
       ledger_transaction_id, voided_by_action_id, decided_at, settled_at
     FROM wallet_actions WHERE id IN (?) ORDER BY id FOR UPDATE`,
    [[...new Set(ids)].sort()],
  );
  for (const row of rowsOf(result)) {
    const id = text(row, 'id');
    actions.set(id, {
      id,
      merchantId: text(row, 'merchant_id'),
      kind: oneOf(row, 'kind', ACTION_KINDS),
      walletId: text(row, 'wallet_id'),
      counterpartyWalletId: nullableText(row, 'counterparty_wallet_id'),
      amountMinor: nullableSafeInteger(row, 'amount_minor'),
      currency: nullableText(row, 'currency'),
      voidsActionId: nullableText(row, 'voids_action_id'),
      status: oneOf(row, 'status', ACTION_STATUSES),
      reasonCode: nullableText(row, 'reason_code'),
      reason: nullableText(row, 'reason'),
      ledgerTransactionId: nullableText(row, 'ledger_transaction_id'),
      voidedByActionId: nullableText(row, 'voided_by_action_id'),
      decidedAt: nullableTime(row, 'decided_at'),
      settledAt: nullableTime(row, 'settled_at'),
    });
  }
  return actions;
}

/**
 * Writes the ledger's columns of every changed action in one statement: `col = CASE id WHEN … END`
 * per column (`col = ?` when every row gets the same value), `WHERE id IN (…)`, so the rows are
 * reached by primary key and nothing else is locked. (An UPDATE joined to the values as a derived
 * table was planned as a full scan, locking every row it read: two consumers deadlocked.)
 * Absolute values: the rows are locked since they were read.
 */
export async function updateActions(connection: SqlWriter, updates: readonly ActionUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const columns: [string, (u: ActionUpdate) => unknown][] = [
    ['status', (u) => u.status],
    ['reason_code', (u) => u.reasonCode],
    ['reason', (u) => u.reason],
    ['ledger_transaction_id', (u) => u.ledgerTransactionId],
    ['voided_by_action_id', (u) => u.voidedByActionId],
    ['decided_at', (u) => (u.decidedAt === null ? null : new Date(u.decidedAt))],
    ['settled_at', (u) => (u.settledAt === null ? null : new Date(u.settledAt))],
  ];
  const cases = updates.map(() => 'WHEN ? THEN ?').join(' ');
  const assignments: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of columns) {
    const values = updates.map(value);
    const first = values[0] ?? null;
    if (values.every((v) => sameValue(v, first))) {
      assignments.push(`${column} = ?`);
      params.push(first);
    } else {
      assignments.push(`${column} = CASE id ${cases} END`);
      updates.forEach((u, i) => params.push(u.id, values[i]));
    }
  }
  params.push(updates.map((u) => u.id));
  await connection.query(`UPDATE wallet_actions SET ${assignments.join(', ')} WHERE id IN (?)`, params);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
