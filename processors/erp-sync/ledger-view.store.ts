/** Read-only views of the ledger tables that reconciliation compares with the ERP. */
import type { HoldStatus, JournalLine } from '../../schemas';
import { epochMs, num, rowsOf, str, strOrNull, type Pool } from '../../storage/mysql';
import { chunks } from './erp-records.store';
import { ErpSyncError } from './erp-sync.errors';

export interface LedgerTransactionView {
  id: string;
  kind: string;
  status: HoldStatus;
  currency: string;
  merchantId: string;
  walletId: string;
  orderId: string | null;
  actionId: string | null;
  sourceEventId: string;
  createdAt: number;
  /** Signed entries in insertion order. */
  lines: JournalLine[];
  /** Total of the negative entries (the amount the transaction moves). */
  debitMinor: number;
}

const HOLD_STATUSES: readonly HoldStatus[] = ['HELD', 'POSTED', 'RELEASED', 'REJECTED', 'VOIDED'];

/** Ledger transactions created in [from, to), oldest first, with their entries. */
export async function ledgerTransactionsIn(pool: Pool, from: Date, to: Date): Promise<LedgerTransactionView[]> {
  const [result] = await pool.query(
    `SELECT id, kind, status, currency, merchant_id, wallet_id, order_id, action_id, source_event_id, created_at
     FROM ledger_transactions WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id`,
    [from, to],
  );
  const transactions = rowsOf(result).map((row): LedgerTransactionView => {
    const id = str(row, 'id');
    const status = str(row, 'status');
    const match = HOLD_STATUSES.find((s) => s === status);
    if (match === undefined) throw new ErpSyncError('ERP_SYNC_CORRUPT_ROW', `ledger transaction ${id} has unknown status "${status}"`);
    return {
      id,
      kind: str(row, 'kind'),
      status: match,
      currency: str(row, 'currency'),
      merchantId: str(row, 'merchant_id'),
      walletId: str(row, 'wallet_id'),
      orderId: strOrNull(row, 'order_id'),
      actionId: strOrNull(row, 'action_id'),
      sourceEventId: str(row, 'source_event_id'),
      createdAt: epochMs(row, 'created_at'),
      lines: [],
      debitMinor: 0,
    };
  });
  const byId = new Map(transactions.map((t) => [t.id, t]));
  for (const chunk of chunks([...byId.keys()], 1_000)) {
    const [entries] = await pool.query('SELECT transaction_id, account_id, amount_minor FROM ledger_entries WHERE transaction_id IN (?) ORDER BY id', [chunk]);
    for (const row of rowsOf(entries)) {
      const transaction = byId.get(str(row, 'transaction_id'));
      if (transaction === undefined) continue;
      const amountMinor = num(row, 'amount_minor');
      transaction.lines.push({ account: str(row, 'account_id'), amountMinor });
      if (amountMinor < 0) transaction.debitMinor -= amountMinor;
    }
  }
  return transactions;
}

/** Which of `ids` are ledger transactions (of any time). */
export async function existingTransactionIds(pool: Pool, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of chunks([...new Set(ids)], 1_000)) {
    const [result] = await pool.query('SELECT id FROM ledger_transactions WHERE id IN (?)', [chunk]);
    for (const row of rowsOf(result)) found.add(str(row, 'id'));
  }
  return found;
}
