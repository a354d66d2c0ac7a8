import { fullJitterBackoffMs } from './retry-backoff';
/**
 * Reconciliation: compares the ledger transactions created in [from, to) with the ERP's journal
 * entries of that period and reports every mismatch; on request repairs what can be repaired safely.
 *
 * | kind | when | repair |
 * |---|---|---|
 * | MISSING_IN_ERP | a HELD or POSTED transaction has no entry at the ERP | RESEND: its `erp_records` row is (re)queued PENDING (inserted when absent); the erp-sync sender sends it |
 * | MISSING_IN_LEDGER | a live ERP entry names an external id that is no ledger transaction | MANUAL |
 * | DUPLICATED | more than one live (not cancelled) entry for one transaction | CANCEL_IN_ERP: every entry but the recorded one (else the oldest) is cancelled |
 * | AMOUNT_MISMATCH | the entry's debit total or currency differs from the transaction's | MANUAL |
 * | STATUS_MISMATCH | HELD vs CONFIRMED/REJECTED/CANCELLED | PUBLISH_CONFIRMATION: ErpConfirmation (source RECONCILE) from the ERP's answer |
 * |  | VOIDED vs PENDING/CONFIRMED | CANCEL_IN_ERP |
 * |  | POSTED vs anything but CONFIRMED; REJECTED/RELEASED vs PENDING/CONFIRMED | MANUAL |
 *
 * Every repair is idempotent: a queued record stays queued, a cancelled entry answers its cancel again,
 * and the ErpConfirmation has the one id of its transaction (`deriveId(id, 'ErpConfirmation')`), so the
 * ledger applies it at most once. Confirmations go through the outbox of producer `erp-sync`: published
 * at once when `outbox` is given, else by the erp-sync role's relay.
 */
import type { Logger } from 'pino';
import { isErpError, type ErpClient, type JournalEntry, type JournalEntryStatus } from '../../integrations/erp';
import { createEventCodec, type EventCodec, type HoldStatus } from '../../schemas';
import { withTransaction, type Pool } from '../../storage/mysql';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { OutboxPublisher } from '../runtime';
import { erpConfirmationMessage } from './erp-confirmation';
import { afterAnswer, answerOfEntry } from './erp-record.transitions';
import { insertRecords, lockRecords, readRecords, saveRecords, systemAccountNames } from './erp-records.store';
import { entryAmount, journalEntryOf } from './journal-payload';
import { existingTransactionIds, ledgerTransactionsIn, type LedgerTransactionView } from './ledger-view.store';
import { ERP_SYNC_NAME } from './options';
import type { ErpAnswer, ErpRecord } from './types';

export type ReconcileKind = 'MISSING_IN_ERP' | 'MISSING_IN_LEDGER' | 'DUPLICATED' | 'AMOUNT_MISMATCH' | 'STATUS_MISMATCH';
export type RepairAction = 'RESEND' | 'PUBLISH_CONFIRMATION' | 'CANCEL_IN_ERP' | 'MANUAL';

/** One mismatch. */
export interface ReconcileRow {
  kind: ReconcileKind;
  /** Null for MISSING_IN_LEDGER when the external id is not a ledger transaction. */
  ledgerTransactionId: string | null;
  /** The ERP entries concerned (for DUPLICATED: every live one, the kept one first). */
  erpIds: string[];
  currency: string | null;
  ledgerStatus: HoldStatus | null;
  erpStatus: JournalEntryStatus | null;
  ledgerAmountMinor: number | null;
  erpAmountMinor: number | null;
  detail: string;
  repair: RepairAction;
  /** True once a requested repair was done (RESEND: queued for the sender). */
  repaired: boolean;
  repairError: string | null;
}

export interface ReconcileOptions {
  from: Date;
  to: Date;
  /** Repair what can be repaired (default false: report only). */
  repair?: boolean;
  codec?: EventCodec;
  /** The outbox publisher of producer `erp-sync`, to publish confirmations at once. */
  outbox?: OutboxPublisher;
  logger?: Logger;
  now?: () => number;
  /** Entries per ERP list page (default 500). */
  pageSize?: number;
}

export interface ReconcileReport {
  from: Date;
  to: Date;
  ledgerTransactions: number;
  erpEntries: number;
  rows: ReconcileRow[];
  /** No mismatch found. */
  clean: boolean;
}

type Plan =
  | { action: 'RESEND'; tx: LedgerTransactionView }
  | { action: 'PUBLISH_CONFIRMATION'; tx: LedgerTransactionView; answer: ErpAnswer }
  | { action: 'CANCEL_IN_ERP'; tx: LedgerTransactionView; erpIds: string[] }
  | { action: 'MANUAL' };

interface Finding {
  row: ReconcileRow;
  plan: Plan;
}

export async function reconcile(pool: Pool, erp: ErpClient, options: ReconcileOptions): Promise<ReconcileReport> {
  const { from, to } = options;
  if (!(from.getTime() < to.getTime())) throw new RangeError('reconcile: from must be before to');
  const now = options.now ?? Date.now;
  const ledger = await ledgerTransactionsIn(pool, from, to);
  const listed = await listAll(erp, from, to, options.pageSize ?? 500);
  const byExternalId = new Map<string, JournalEntry[]>();
  for (const entry of listed) {
    const same = byExternalId.get(entry.externalId);
    if (same === undefined) byExternalId.set(entry.externalId, [entry]);
    else same.push(entry);
  }
  const records = await readRecords(pool, ledger.map((t) => t.id));
  // An entry recorded for a transaction of the period but listed elsewhere (another occurred_at): ask for it by id.
  for (const tx of ledger) {
    const erpId = records.get(tx.id)?.erpId ?? null;
    if (byExternalId.has(tx.id) || erpId === null) continue;
    const entry = await getIfExists(erp, erpId);
    if (entry !== null) byExternalId.set(tx.id, [entry]);
  }

  const findings: Finding[] = [];
  for (const tx of ledger) findings.push(...compare(tx, byExternalId.get(tx.id) ?? [], records.get(tx.id), now()));
  const inPeriod = new Set(ledger.map((t) => t.id));
  const foreign = [...byExternalId.keys()].filter((id) => !inPeriod.has(id));
  const known = await existingTransactionIds(pool, foreign);
  for (const externalId of foreign) {
    if (known.has(externalId)) continue;
    const live = (byExternalId.get(externalId) ?? []).filter((e) => e.status !== 'CANCELLED');
    const first = live[0];
    if (first === undefined) continue;
    findings.push({
      row: row({
        kind: 'MISSING_IN_LEDGER',
        ledgerTransactionId: null,
        erpIds: live.map((e) => e.id),
        currency: first.currency,
        erpStatus: first.status,
        erpAmountMinor: entryAmount(first),
        detail: `the ERP has ${live.length} entr${live.length === 1 ? 'y' : 'ies'} for external id ${externalId}, which is no ledger transaction`,
        repair: 'MANUAL',
      }),
      plan: { action: 'MANUAL' },
    });
  }

  if (options.repair === true) await repairAll(pool, erp, findings, options, now);
  const rows = findings.map((f) => f.row);
  options.logger?.info({ from, to, ledgerTransactions: ledger.length, erpEntries: listed.length, mismatches: rows.length }, 'reconciliation done');
  return { from, to, ledgerTransactions: ledger.length, erpEntries: listed.length, rows, clean: rows.length === 0 };
}

/**
 * Reconciliation is a one-shot command, not a record in the sender's retry loop: an ERP that answers
 * 503 or times out now and then is asked again a few times (full-jitter backoff) before the run fails.
 */
async function transientRetries<T>(call: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || !(isErpError(err) && err.retryable)) throw err;
      await new Promise((resolve) => setTimeout(resolve, fullJitterBackoffMs(attempt, 100, 2_000)));
    }
  }
}

async function listAll(erp: ErpClient, since: Date, until: Date, limit: number): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  let cursor: string | null = null;
  do {
    const after: string | null = cursor;
    const page: { entries: JournalEntry[]; nextCursor: string | null } = await transientRetries(() => erp.listJournalEntries({ since, until, limit, ...(after === null ? {} : { cursor: after }) }));
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return entries;
}

async function getIfExists(erp: ErpClient, id: string): Promise<JournalEntry | null> {
  try {
    return await transientRetries(() => erp.getJournalEntry(id));
  } catch (err) {
    if (isErpError(err) && err.code === 'ERP_NOT_FOUND') return null;
    throw err;
  }
}

function row(fields: Partial<ReconcileRow> & Pick<ReconcileRow, 'kind' | 'detail' | 'repair'>): ReconcileRow {
  return {
    ledgerTransactionId: null,
    erpIds: [],
    currency: null,
    ledgerStatus: null,
    erpStatus: null,
    ledgerAmountMinor: null,
    erpAmountMinor: null,
    repaired: false,
    repairError: null,
    ...fields,
  };
}

/** The mismatches of one ledger transaction with its ERP entries. */
function compare(tx: LedgerTransactionView, entries: readonly JournalEntry[], record: ErpRecord | undefined, now: number): Finding[] {
  const base = { ledgerTransactionId: tx.id, currency: tx.currency, ledgerStatus: tx.status, ledgerAmountMinor: tx.debitMinor };
  const live = entries.filter((e) => e.status !== 'CANCELLED');
  const primary = pickPrimary(live, record) ?? latest(entries);
  if (primary === undefined) {
    if (tx.status !== 'HELD' && tx.status !== 'POSTED') return [];
    const known = record === undefined ? 'erp-sync has no record of it' : `erp-sync record is ${record.status}${record.lastError === null ? '' : ` (${record.lastError})`}`;
    return [{ row: row({ ...base, kind: 'MISSING_IN_ERP', detail: `${tx.status} in the ledger, no ERP entry; ${known}`, repair: 'RESEND' }), plan: { action: 'RESEND', tx } }];
  }
  const findings: Finding[] = [];
  const erp = { erpStatus: primary.status, erpAmountMinor: entryAmount(primary) };
  if (live.length > 1) {
    const extra = live.filter((e) => e.id !== primary.id).map((e) => e.id);
    findings.push({
      row: row({ ...base, ...erp, kind: 'DUPLICATED', erpIds: [primary.id, ...extra], detail: `${live.length} live ERP entries; keeping ${primary.id}`, repair: 'CANCEL_IN_ERP' }),
      plan: { action: 'CANCEL_IN_ERP', tx, erpIds: extra },
    });
  }
  if (live.length > 0 && (erp.erpAmountMinor !== tx.debitMinor || primary.currency !== tx.currency)) {
    findings.push({
      row: row({
        ...base,
        ...erp,
        kind: 'AMOUNT_MISMATCH',
        erpIds: [primary.id],
        detail: `ledger moves ${tx.debitMinor} ${tx.currency}, the ERP entry ${erp.erpAmountMinor} ${primary.currency}`,
        repair: 'MANUAL',
      }),
      plan: { action: 'MANUAL' },
    });
  }
  const verdict = statusVerdict(tx.status, primary.status);
  if (verdict !== null) {
    const detail = `ledger ${tx.status}, ERP ${primary.status}${primary.reason === null ? '' : ` (${primary.reason})`}`;
    const answer = answerOfEntry(primary.status, primary.reason);
    let plan: Plan = { action: 'MANUAL' };
    if (verdict === 'PUBLISH_CONFIRMATION' && answer !== null) {
      plan = { action: 'PUBLISH_CONFIRMATION', tx, answer: { ...answer, erpId: primary.id, source: 'RECONCILE', at: Math.min(primary.updatedAt, now) } };
    }
    if (verdict === 'CANCEL_IN_ERP') plan = { action: 'CANCEL_IN_ERP', tx, erpIds: [primary.id] };
    findings.push({ row: row({ ...base, ...erp, kind: 'STATUS_MISMATCH', erpIds: [primary.id], detail, repair: plan.action }), plan });
  }
  return findings;
}

/** Null when the two statuses agree; else how to repair the difference. */
function statusVerdict(ledger: HoldStatus, erp: JournalEntryStatus): RepairAction | null {
  switch (ledger) {
    case 'HELD':
      return erp === 'PENDING' ? null : 'PUBLISH_CONFIRMATION';
    case 'POSTED':
      return erp === 'CONFIRMED' ? null : 'MANUAL';
    case 'REJECTED':
    case 'RELEASED':
      return erp === 'REJECTED' || erp === 'CANCELLED' ? null : 'MANUAL';
    case 'VOIDED':
      return erp === 'REJECTED' || erp === 'CANCELLED' ? null : 'CANCEL_IN_ERP';
  }
}

/** The entry erp-sync recorded, else the oldest live one. */
function pickPrimary(live: readonly JournalEntry[], record: ErpRecord | undefined): JournalEntry | undefined {
  const recorded = live.find((e) => e.id === record?.erpId);
  if (recorded !== undefined) return recorded;
  return [...live].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))[0];
}

function latest(entries: readonly JournalEntry[]): JournalEntry | undefined {
  return [...entries].sort((a, b) => b.updatedAt - a.updatedAt)[0];
}

async function repairAll(pool: Pool, erp: ErpClient, findings: readonly Finding[], options: ReconcileOptions, now: () => number): Promise<void> {
  const codec = options.codec ?? createEventCodec();
  const messages: OutboxMessage[] = [];
  for (const finding of findings) {
    const { plan } = finding;
    if (plan.action === 'MANUAL') continue;
    try {
      if (plan.action === 'RESEND') await requeue(pool, plan.tx, now());
      if (plan.action === 'CANCEL_IN_ERP') await cancelEntries(pool, erp, plan.tx, plan.erpIds, now());
      if (plan.action === 'PUBLISH_CONFIRMATION') messages.push(await recordAnswer(pool, codec, plan.tx, plan.answer, now()));
      finding.row.repaired = true;
    } catch (err) {
      finding.row.repairError = err instanceof Error ? err.message : String(err);
      options.logger?.warn({ err, ledgerTransactionId: finding.row.ledgerTransactionId, repair: plan.action }, 'reconciliation repair failed');
    }
  }
  if (messages.length > 0 && options.outbox !== undefined) await options.outbox.publish(messages);
}

/** The record of `tx`, built from the ledger as erp-sync would have built it from the HELD update. */
async function recordFromLedger(pool: Pool, tx: LedgerTransactionView, at: number): Promise<ErpRecord> {
  const names = await systemAccountNames(pool, tx.lines.map((l) => l.account));
  const request = journalEntryOf(
    { ledgerTransactionId: tx.id, kind: tx.kind, orderId: tx.orderId, actionId: tx.actionId, currency: tx.currency, lines: tx.lines, occurredAt: tx.createdAt },
    names,
  );
  return {
    ledgerTransactionId: tx.id,
    walletId: tx.walletId,
    merchantId: tx.merchantId,
    currency: tx.currency,
    amountMinor: entryAmount(request),
    request,
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: at,
    erpId: null,
    reason: null,
    lastError: null,
    answeredVia: null,
    correlationId: tx.orderId ?? tx.actionId ?? tx.id,
    causationId: tx.sourceEventId,
    createdAt: at,
    updatedAt: at,
    sentAt: null,
    answeredAt: null,
  };
}

/** Queues `tx` for the sender: its record back to PENDING (a fresh start), or a new record. */
async function requeue(pool: Pool, tx: LedgerTransactionView, at: number): Promise<void> {
  const fresh = await recordFromLedger(pool, tx, at);
  await withTransaction(pool, async (connection) => {
    const current = (await lockRecords(connection, [tx.id])).get(tx.id);
    if (current === undefined) {
      await insertRecords(connection, [fresh]);
      return;
    }
    if (current.status === 'PENDING') return;
    await saveRecords(connection, [
      {
        ...current,
        status: 'PENDING',
        attempts: 0,
        nextAttemptAt: at,
        erpId: null,
        reason: null,
        answeredVia: null,
        answeredAt: null,
        sentAt: null,
        lastError: `requeued by reconciliation (was ${current.status})`,
        updatedAt: at,
      },
    ]);
  });
}

/** Records the ERP's answer (when the record can take it) and appends its ErpConfirmation to the outbox. */
async function recordAnswer(pool: Pool, codec: EventCodec, tx: LedgerTransactionView, answer: ErpAnswer, at: number): Promise<OutboxMessage> {
  const fresh = await recordFromLedger(pool, tx, at);
  return withTransaction(pool, async (connection) => {
    let current = (await lockRecords(connection, [tx.id])).get(tx.id);
    if (current === undefined) {
      await insertRecords(connection, [fresh]);
      current = fresh;
    }
    const next = afterAnswer(current, answer, at);
    // A record that already holds an answer keeps it; the ledger still needs the confirmation.
    const record = 'ignored' in next ? current : next.record;
    if (!('ignored' in next)) await saveRecords(connection, [next.record]);
    const message = erpConfirmationMessage(codec, record, answer, at);
    await appendOutbox(connection, ERP_SYNC_NAME, [message]);
    return message;
  });
}

/** Cancels ERP entries (idempotently) and marks the record CANCELLED when its own entry was among them. */
async function cancelEntries(pool: Pool, erp: ErpClient, tx: LedgerTransactionView, erpIds: readonly string[], at: number): Promise<void> {
  for (const id of erpIds) {
    try {
      await transientRetries(() => erp.cancelJournalEntry(id));
    } catch (err) {
      // A rejected entry cannot be cancelled and needs not be.
      if (!(isErpError(err) && err.code === 'ERP_NOT_CANCELLABLE')) throw err;
    }
  }
  await withTransaction(pool, async (connection) => {
    const current = (await lockRecords(connection, [tx.id])).get(tx.id);
    if (current === undefined || current.erpId === null || !erpIds.includes(current.erpId)) return;
    await saveRecords(connection, [{ ...current, status: 'CANCELLED', lastError: 'cancelled by reconciliation', updatedAt: at }]);
  });
}
