/**
 * The SQL of `erp_records`: set-based (one statement per kind of change), on the caller's connection
 * unless a function takes the pool.
 */
import { z } from 'zod';
import type { JournalEntryRequest } from '../../integrations/erp';
import type { ErpConfirmationSource } from '../../schemas';
import { epochMs, epochMsOrNull, num, rowsOf, str, strOrNull, textLiteral, withTransaction, type Pool, type PoolConnection, type Row, type SqlWriter } from '../../storage/mysql';
import { ErpSyncError } from './erp-sync.errors';
import { systemAccountName } from './journal-payload';
import { ERP_RECORD_STATUSES, type ErpRecord, type ErpRecordState, type ErpRecordStatus } from './types';

/** Every column but the journal entry (`payload`): what {@link lockRecords} reads. */
const STATE_COLUMNS =
  'ledger_transaction_id, wallet_id, merchant_id, currency, amount_minor, status, attempts, next_attempt_at, erp_id, reason, ' +
  'last_error, answered_via, correlation_id, causation_id, created_at, updated_at, sent_at, answered_at';
const COLUMNS = `${STATE_COLUMNS}, payload`;

/** Inserts records whose transaction has none yet (`INSERT IGNORE`: the first one wins); returns how many were new. */
export async function insertRecords(connection: PoolConnection, records: readonly ErpRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const [result] = await connection.query(`INSERT IGNORE INTO erp_records (${COLUMNS}) VALUES ?`, [records.map(toRow)]);
  return affectedRows(result);
}

/** The columns a record's life changes; the payload and identity columns never change. */
const MUTABLE_COLUMNS = ['status', 'attempts', 'next_attempt_at', 'erp_id', 'reason', 'last_error', 'answered_via', 'updated_at', 'sent_at', 'answered_at'] as const;

/**
 * Writes the changing columns of existing records as they are now, in one statement: an UPDATE joined
 * to the new values (one row per record), so the unchanged payload is not sent again. The caller
 * holds every one of these rows locked since it read them; a record not stored yet goes through
 * {@link insertRecords}.
 */
export async function saveRecords(connection: SqlWriter, records: readonly ErpRecordState[]): Promise<void> {
  if (records.length === 0) return;
  const placeholders = `?, ${MUTABLE_COLUMNS.map(() => '?').join(', ')}`;
  const named = `? AS id, ${MUTABLE_COLUMNS.map((c) => `? AS ${c}`).join(', ')}`;
  const values = records.map((_record, i) => `SELECT ${i === 0 ? named : placeholders}`).join(' UNION ALL ');
  await connection.query(
    `UPDATE erp_records r JOIN (${values}) v ON r.ledger_transaction_id = v.id SET ${MUTABLE_COLUMNS.map((c) => `r.${c} = v.${c}`).join(', ')}`,
    records.flatMap((r) => [r.ledgerTransactionId, ...mutableValues(r)]),
  );
}

/**
 * Locks the records of these transactions (in id order) and reads their state. The journal entry is
 * left in the row: what follows a lock (a transition, {@link saveRecords}) never reads or changes it.
 */
export async function lockRecords(connection: PoolConnection, ids: readonly string[]): Promise<Map<string, ErpRecordState>> {
  if (ids.length === 0) return new Map();
  const [result] = await connection.query(`SELECT ${STATE_COLUMNS} FROM erp_records WHERE ledger_transaction_id IN (?) ORDER BY ledger_transaction_id FOR UPDATE`, [
    [...new Set(ids)],
  ]);
  return new Map(rowsOf(result).map((row) => [str(row, 'ledger_transaction_id'), stateOfRow(row)]));
}

/** Reads the records of these transactions without locking. */
export async function readRecords(pool: Pool, ids: readonly string[]): Promise<Map<string, ErpRecord>> {
  const records = new Map<string, ErpRecord>();
  for (const chunk of chunks([...new Set(ids)], 1_000)) {
    const [result] = await pool.query(`SELECT ${COLUMNS} FROM erp_records WHERE ledger_transaction_id IN (?)`, [chunk]);
    for (const row of rowsOf(result)) records.set(str(row, 'ledger_transaction_id'), fromRow(row));
  }
  return records;
}

/**
 * Claims due records in `statuses` for one round: locks up to `limit` of them that no other process has
 * locked (`FOR UPDATE SKIP LOCKED`, so several erp-sync processes share the work), and leases them by
 * moving `next_attempt_at` to `now + leaseMs`, so nobody picks them while this process calls the ERP.
 * The earliest due go first, across the statuses.
 *
 * One query per status, each walking the `(status, next_attempt_at)` index in order and stopping after
 * `limit` rows. One query for all the statuses (`status IN (…) ORDER BY next_attempt_at`) reads and locks
 * every due row of them and sorts them all, which under a backlog is thousands of rows per round.
 */
export async function claimDue(pool: Pool, query: { statuses: readonly ErpRecordStatus[]; now: number; limit: number; leaseMs: number }): Promise<ErpRecord[]> {
  return withTransaction(pool, async (connection) => {
    const due: Row[] = [];
    for (const status of new Set(query.statuses)) {
      const [result] = await connection.query(
        `SELECT ${COLUMNS} FROM erp_records WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED`,
        [status, new Date(query.now), query.limit],
      );
      due.push(...rowsOf(result));
    }
    // Rows read beyond the limit stay unclaimed (and unparsed); their locks end with this short transaction.
    const records = due
      .sort((a, b) => epochMs(a, 'next_attempt_at') - epochMs(b, 'next_attempt_at'))
      .slice(0, query.limit)
      .map(fromRow);
    if (records.length === 0) return records;
    const leasedUntil = query.now + query.leaseMs;
    await connection.query('UPDATE erp_records SET next_attempt_at = ?, updated_at = ? WHERE ledger_transaction_id IN (?)', [
      new Date(leasedUntil),
      new Date(query.now),
      records.map((r) => r.ledgerTransactionId),
    ]);
    return records.map((r) => ({ ...r, nextAttemptAt: leasedUntil }));
  });
}

/** `<code>:<currency>` names of the system accounts among `accountIds`. */
export async function systemAccountNames(connection: Pool | PoolConnection, accountIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unique = [...new Set(accountIds)];
  for (const chunk of chunks(unique, 1_000)) {
    const [result] = await connection.query('SELECT id, system_code, currency FROM accounts WHERE id IN (?) AND system_code IS NOT NULL', [chunk]);
    for (const row of rowsOf(result)) names.set(str(row, 'id'), systemAccountName(str(row, 'system_code'), str(row, 'currency')));
  }
  return names;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const requestSchema = z.object({
  externalId: z.string(),
  memo: z.string(),
  currency: z.string(),
  lines: z.array(z.object({ account: z.string(), debitMinor: z.number().int(), creditMinor: z.number().int() })),
  occurredAt: z.number().int(),
});

const SOURCES: readonly ErpConfirmationSource[] = ['WEBHOOK', 'POLL', 'RECONCILE'];

function fromRow(row: Row): ErpRecord {
  const id = str(row, 'ledger_transaction_id');
  return { ...stateOfRow(row), request: requestOfRow(id, row) };
}

function requestOfRow(id: string, row: Row): JournalEntryRequest {
  let payload: unknown;
  try {
    payload = JSON.parse(str(row, 'payload')) as unknown;
  } catch (err) {
    throw new ErpSyncError('ERP_SYNC_CORRUPT_ROW', `erp_records ${id}: payload is not JSON`, err);
  }
  const request = requestSchema.safeParse(payload);
  if (!request.success) throw new ErpSyncError('ERP_SYNC_CORRUPT_ROW', `erp_records ${id}: payload is not a journal entry`);
  return request.data;
}

function stateOfRow(row: Row): ErpRecordState {
  const id = str(row, 'ledger_transaction_id');
  const answeredVia = strOrNull(row, 'answered_via');
  return {
    ledgerTransactionId: id,
    walletId: str(row, 'wallet_id'),
    merchantId: str(row, 'merchant_id'),
    currency: str(row, 'currency'),
    amountMinor: num(row, 'amount_minor'),
    status: oneOf(id, 'status', str(row, 'status'), ERP_RECORD_STATUSES),
    attempts: num(row, 'attempts'),
    nextAttemptAt: epochMs(row, 'next_attempt_at'),
    erpId: strOrNull(row, 'erp_id'),
    reason: strOrNull(row, 'reason'),
    lastError: strOrNull(row, 'last_error'),
    answeredVia: answeredVia === null ? null : oneOf(id, 'answered_via', answeredVia, SOURCES),
    correlationId: str(row, 'correlation_id'),
    causationId: str(row, 'causation_id'),
    createdAt: epochMs(row, 'created_at'),
    updatedAt: epochMs(row, 'updated_at'),
    sentAt: epochMsOrNull(row, 'sent_at'),
    answeredAt: epochMsOrNull(row, 'answered_at'),
  };
}

/** The values of {@link COLUMNS}, in their order. */
function toRow(r: ErpRecord): unknown[] {
  const [status, attempts, nextAttemptAt, erpId, reason, lastError, answeredVia, updatedAt, sentAt, answeredAt] = mutableValues(r);
  return [
    r.ledgerTransactionId,
    r.walletId,
    r.merchantId,
    r.currency,
    r.amountMinor,
    status,
    attempts,
    nextAttemptAt,
    erpId,
    reason,
    lastError,
    answeredVia,
    r.correlationId.slice(0, 64),
    r.causationId,
    new Date(r.createdAt),
    updatedAt,
    sentAt,
    answeredAt,
    textLiteral(JSON.stringify(r.request)),
  ];
}

/** The values of {@link MUTABLE_COLUMNS}, in their order. */
function mutableValues(r: ErpRecordState): unknown[] {
  return [
    r.status,
    r.attempts,
    new Date(r.nextAttemptAt),
    r.erpId,
    r.reason === null ? null : r.reason.slice(0, 500),
    r.lastError === null ? null : r.lastError.slice(0, 1_000),
    r.answeredVia,
    new Date(r.updatedAt),
    r.sentAt === null ? null : new Date(r.sentAt),
    r.answeredAt === null ? null : new Date(r.answeredAt),
  ];
}

function oneOf<T extends string>(id: string, column: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw new ErpSyncError('ERP_SYNC_CORRUPT_ROW', `erp_records ${id}: ${column} holds unknown value "${value}"`);
  return match;
}

function affectedRows(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'affectedRows' in result && typeof result.affectedRows === 'number') return result.affectedRows;
  return 0;
}
