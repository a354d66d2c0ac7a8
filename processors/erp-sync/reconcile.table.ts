import type { ReconcileRow } from './reconcile';

const HEADERS = ['KIND', 'LEDGER TX', 'LEDGER', 'ERP', 'ERP IDS', 'REPAIR', 'DETAIL'] as const;

/** The mismatches as an aligned plain-text table for people (one line per row); a sentence when there are none. */
export function formatReconcileTable(rows: readonly ReconcileRow[]): string {
  if (rows.length === 0) return 'No mismatches: the ledger and the ERP agree.';
  const cells = rows.map((r) => [
    r.kind,
    r.ledgerTransactionId ?? '-',
    side(r.ledgerStatus, r.ledgerAmountMinor, r.currency),
    side(r.erpStatus, r.erpAmountMinor, r.currency),
    r.erpIds.length === 0 ? '-' : r.erpIds.join(','),
    repairCell(r),
    r.detail,
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), '', `${rows.length} mismatch${rows.length === 1 ? '' : 'es'}`].join('\n');
}

function side(status: string | null, amountMinor: number | null, currency: string | null): string {
  if (status === null) return '-';
  return amountMinor === null ? status : `${status} ${amountMinor}${currency === null ? '' : ` ${currency}`}`;
}

function repairCell(r: ReconcileRow): string {
  if (r.repairError !== null) return `${r.repair} (failed: ${r.repairError.slice(0, 60)})`;
  if (r.repaired) return `${r.repair} (done)`;
  return r.repair;
}
