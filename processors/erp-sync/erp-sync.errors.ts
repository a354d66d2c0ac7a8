/** Every code an {@link ErpSyncError} can carry. */
export type ErpSyncErrorCode = 'ERP_SYNC_INVALID_OPTIONS' | 'ERP_SYNC_UNEXPECTED_EVENT' | 'ERP_SYNC_CORRUPT_ROW' | 'ERP_SYNC_LOCK_CONFLICT';

/**
 * Whether each code is worth retrying.
 * - `ERP_SYNC_INVALID_OPTIONS`: a factory got unusable options.
 * - `ERP_SYNC_UNEXPECTED_EVENT`: an event other than WalletUpdated arrived on wallet.updates.
 * - `ERP_SYNC_CORRUPT_ROW`: an `erp_records` row does not have the shape erp-sync wrote.
 * - `ERP_SYNC_LOCK_CONFLICT`: MySQL chose the batch as a deadlock victim or a lock wait timed out; the
 *   transaction was rolled back and can simply run again.
 */
const RETRYABLE: Readonly<Record<ErpSyncErrorCode, boolean>> = {
  ERP_SYNC_INVALID_OPTIONS: false,
  ERP_SYNC_UNEXPECTED_EVENT: false,
  ERP_SYNC_CORRUPT_ROW: false,
  ERP_SYNC_LOCK_CONFLICT: true,
};

/** Thrown by erp-sync; `retryable` follows from `code` (see the table above). */
export class ErpSyncError extends Error {
  readonly code: ErpSyncErrorCode;
  readonly retryable: boolean;

  constructor(code: ErpSyncErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ErpSyncError';
    this.code = code;
    this.retryable = RETRYABLE[code];
  }
}

export function isErpSyncError(err: unknown): err is ErpSyncError {
  return err instanceof ErpSyncError;
}

/** MySQL/MariaDB error numbers of a deadlock (1213) and a lock wait timeout (1205). */
const LOCK_ERRNOS: ReadonlySet<number> = new Set([1205, 1213]);

/** A lock conflict becomes a retryable `ERP_SYNC_LOCK_CONFLICT`; any other error is returned unchanged. */
export function classifyStorageError(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number' && LOCK_ERRNOS.has(err.errno)) {
    return new ErpSyncError('ERP_SYNC_LOCK_CONFLICT', 'erp-sync lost a lock conflict; the transaction was rolled back', err);
  }
  return err;
}
