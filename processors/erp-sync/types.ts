import type { ErpConfirmationSource, ErpOutcome } from '../../schemas';
import type { JournalEntryRequest } from '../../integrations/erp';

/**
 * Where an ERP record stands (see `storage/migrations/007_erp_records.sql`):
 * - `PENDING`: to send (again) when `nextAttemptAt` is due.
 * - `SENT`: the ERP holds the entry (PENDING there); polled when `nextAttemptAt` is due.
 * - `CONFIRMED` / `REJECTED`: the ERP answered; an ErpConfirmation was published.
 * - `CANCEL_PENDING`: the ledger voided the transaction; the ERP's entry is to be cancelled.
 * - `CANCELLED`: cancelled at the ERP, or voided before it was ever sent.
 * - `FAILED`: the ERP refused the request in a way no retry fixes (e.g. an idempotency conflict); a person
 *   looks at `lastError` (reconciliation reports the transaction).
 */
export type ErpRecordStatus = 'PENDING' | 'SENT' | 'CONFIRMED' | 'REJECTED' | 'CANCEL_PENDING' | 'CANCELLED' | 'FAILED';

export const ERP_RECORD_STATUSES: readonly ErpRecordStatus[] = ['PENDING', 'SENT', 'CONFIRMED', 'REJECTED', 'CANCEL_PENDING', 'CANCELLED', 'FAILED'];

/**
 * An `erp_records` row without its journal entry: all that a record's transitions read and change.
 * Times are epoch ms.
 */
export interface ErpRecordState {
  ledgerTransactionId: string;
  /** The wallet of the first HELD WalletUpdated seen (a transfer's from- or to-wallet): the key of its ErpConfirmation. */
  walletId: string;
  merchantId: string;
  currency: string;
  /** The entry's debit total. */
  amountMinor: number;
  status: ErpRecordStatus;
  /** ERP calls made for this record (sends, cancels). */
  attempts: number;
  nextAttemptAt: number;
  erpId: string | null;
  /** The ERP's rejection reason. */
  reason: string | null;
  lastError: string | null;
  answeredVia: ErpConfirmationSource | null;
  /** Copied to the ErpConfirmation: the flow's correlation id and the HELD WalletUpdated's event id. */
  correlationId: string;
  causationId: string;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  answeredAt: number | null;
}

/** One `erp_records` row: its state and the journal entry to send (which never changes). */
export interface ErpRecord extends ErpRecordState {
  request: JournalEntryRequest;
}

/** The ERP's verdict on a record, however paystream learned it. */
export interface ErpAnswer {
  outcome: ErpOutcome;
  reason: string | null;
  erpId: string | null;
  source: ErpConfirmationSource;
  /** When the ERP decided (epoch ms). */
  at: number;
}
