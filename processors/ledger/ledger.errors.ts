/** Every code a {@link LedgerError} can carry. */
export type LedgerErrorCode =
  | 'LEDGER_INVALID_OPTIONS'
  | 'LEDGER_UNEXPECTED_EVENT'
  | 'LEDGER_INVALID_EVENT'
  | 'LEDGER_UNKNOWN_TRANSACTION'
  | 'LEDGER_ACCOUNT_MISSING'
  | 'LEDGER_AMOUNT_OVERFLOW'
  | 'LEDGER_CORRUPT_ROW'
  | 'LEDGER_LOCK_CONFLICT';

/**
 * Whether each code is worth retrying.
 * - `LEDGER_INVALID_OPTIONS`: the factory got unusable options.
 * - `LEDGER_UNEXPECTED_EVENT`: an event type the ledger does not handle arrived on one of its topics.
 * - `LEDGER_INVALID_EVENT`: an event breaks the contract (e.g. a non-positive amount).
 * - `LEDGER_UNKNOWN_TRANSACTION`: an ERP confirmation names a ledger transaction that does not exist.
 * - `LEDGER_ACCOUNT_MISSING`: an account the batch needs is absent after it was created (a clash of ids).
 * - `LEDGER_AMOUNT_OVERFLOW`: a balance left the range of safe integers.
 * - `LEDGER_CORRUPT_ROW`: a stored row does not have the shape the ledger wrote (a value outside its enum).
 * - `LEDGER_LOCK_CONFLICT`: MySQL chose the batch as a deadlock victim or a lock wait timed out; the
 *   transaction was rolled back and the batch can simply run again.
 */
const RETRYABLE: Readonly<Record<LedgerErrorCode, boolean>> = {
  LEDGER_INVALID_OPTIONS: false,
  LEDGER_UNEXPECTED_EVENT: false,
  LEDGER_INVALID_EVENT: false,
  LEDGER_UNKNOWN_TRANSACTION: false,
  LEDGER_ACCOUNT_MISSING: false,
  LEDGER_AMOUNT_OVERFLOW: false,
  LEDGER_CORRUPT_ROW: false,
  LEDGER_LOCK_CONFLICT: true,
};

/** Thrown when the ledger cannot apply a batch; `retryable` follows from `code` (see the table above). */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly retryable: boolean;

  constructor(code: LedgerErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LedgerError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

export function isLedgerError(err: unknown): err is LedgerError {
  return err instanceof LedgerError;
}

/** MySQL/MariaDB error numbers of a deadlock (1213) and a lock wait timeout (1205). */
const LOCK_ERRNOS: ReadonlySet<number> = new Set([1205, 1213]);

/** A lock conflict becomes a retryable `LEDGER_LOCK_CONFLICT`; any other error is returned unchanged. */
export function classifyStorageError(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number' && LOCK_ERRNOS.has(err.errno)) {
    return new LedgerError('LEDGER_LOCK_CONFLICT', 'ledger batch lost a lock conflict; it was rolled back', err);
  }
  return err;
}
