/**
 * The ERP port: the only surface erp-sync and reconciliation see of an ERP. Adapters: the HTTP client
 * (`createHttpErpClient`), which speaks the API the ERP simulator implements. No HTTP type crosses
 * this file. Money is integer minor units; times are epoch milliseconds.
 */
import type { ErpError } from './erp.errors';

/** Where an entry stands at the ERP. PENDING until the ERP books (CONFIRMED) or refuses (REJECTED) it. */
export type JournalEntryStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

export const JOURNAL_ENTRY_STATUSES: readonly JournalEntryStatus[] = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'];

/** One line of a journal entry: exactly one of `debitMinor` and `creditMinor` is positive, the other 0. */
export interface JournalLine {
  account: string;
  debitMinor: number;
  creditMinor: number;
}

/** A journal entry as paystream asks the ERP to book it. Its debits and credits balance. */
export interface JournalEntryRequest {
  /** The ledger transaction id: what ties the ERP's entry to paystream's books. */
  externalId: string;
  memo: string;
  /** ISO 4217 code. */
  currency: string;
  lines: JournalLine[];
  /** When the transaction happened (epoch ms). */
  occurredAt: number;
}

/** A journal entry as the ERP keeps it. */
export interface JournalEntry extends JournalEntryRequest {
  /** The ERP's own id. */
  id: string;
  status: JournalEntryStatus;
  /** Why the ERP rejected (or cancelled) it; null otherwise. */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The ERP's answer to a create: the entry's id and where it stands. */
export interface CreatedJournalEntry {
  id: string;
  status: JournalEntryStatus;
  reason: string | null;
  /** True when the idempotency key was seen before and the ERP answered with the entry it already had. */
  replayed: boolean;
}

/** One entry of a batch create, with its own idempotency key. */
export interface BatchCreateItem {
  entry: JournalEntryRequest;
  idempotencyKey: string;
}

/**
 * What a batch create answered for one item: the created (or replayed) entry, or the {@link ErpError}
 * a single `createJournalEntry` of that item would have thrown.
 */
export type BatchCreateOutcome = { ok: true; value: CreatedJournalEntry } | { ok: false; error: ErpError };

/** Entries whose `occurredAt` lies in [since, until), one page at a time. */
export interface ListJournalEntriesQuery {
  since: Date;
  until: Date;
  /** The `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
  /** Entries per page (the ERP caps it). */
  limit?: number;
}

export interface JournalEntryPage {
  entries: JournalEntry[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** An ERP that keeps journal entries. */
export interface ErpClient {
  /**
   * Asks the ERP to book `entry`. Idempotent by `idempotencyKey`: the same key with the same entry gets
   * the entry the ERP already has.
   * @throws {ErpError} `ERP_VALIDATION_FAILED` (refused for good), `ERP_IDEMPOTENCY_CONFLICT` (key used
   * with another entry), retryable codes when no definite answer was obtained.
   */
  createJournalEntry(entry: JournalEntryRequest, idempotencyKey: string): Promise<CreatedJournalEntry>;
  /**
   * Asks the ERP to book several entries, each idempotent by its own key, in as few exchanges as the
   * ERP allows. Resolves with one outcome per item, in input order: an item the ERP (or our own checks)
   * refuses carries the error a single create of it would throw (`ERP_VALIDATION_FAILED`,
   * `ERP_IDEMPOTENCY_CONFLICT`, `ERP_INVALID_REQUEST`…) and does not affect the others.
   * @throws {ErpError} when an exchange got no definite answer (retryable codes: `ERP_UNAVAILABLE`,
   * `ERP_TIMEOUT`, `ERP_RATE_LIMITED`, `ERP_BAD_RESPONSE`) or the ERP refused the batch request itself
   * (`ERP_REJECTED_REQUEST`): the whole call fails; items already booked are answered again on a retry.
   */
  createJournalEntries(items: readonly BatchCreateItem[]): Promise<BatchCreateOutcome[]>;
  /** @throws {ErpError} `ERP_NOT_FOUND` when the ERP has no entry `id`. */
  getJournalEntry(id: string): Promise<JournalEntry>;
  listJournalEntries(query: ListJournalEntriesQuery): Promise<JournalEntryPage>;
  /**
   * Cancels entry `id` (a confirmed entry is reversed). Cancelling a cancelled entry answers it again.
   * @throws {ErpError} `ERP_NOT_FOUND`; `ERP_NOT_CANCELLABLE` for a rejected entry.
   */
  cancelJournalEntry(id: string): Promise<JournalEntry>;
}
