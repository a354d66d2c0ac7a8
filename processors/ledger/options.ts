import { LedgerError } from './ledger.errors';

export interface LedgerProcessorOptions {
  /** Platform fee on sales in basis points (1/100 of a percent), an integer within 0..10,000. */
  feeBps: number;
}

/** Throws a `LEDGER_INVALID_OPTIONS` error naming the bad option. */
export function resolveLedgerProcessorOptions(options: LedgerProcessorOptions): LedgerProcessorOptions {
  const { feeBps } = options;
  if (!Number.isSafeInteger(feeBps) || feeBps < 0 || feeBps > 10_000) {
    throw new LedgerError('LEDGER_INVALID_OPTIONS', `feeBps must be an integer within 0..10000, got ${String(feeBps)}`);
  }
  return { feeBps };
}
