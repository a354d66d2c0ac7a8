import { isCurrencyCode, parseInt64, toSafeMinor } from '../../money';
import type { OpeningBalanceRow } from '../../processors/ledger';

/** A line of an opening-balance file that could not be read, with what is wrong with it. */
export interface CsvProblem {
  line: number;
  column: string;
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = ['personal', 'enterprise', 'reseller'] as const;
const COLUMNS = ['wallet_id', 'merchant_id', 'kind', 'currency', 'posted_minor'] as const;

/**
 * Parses `wallet_id,merchant_id,kind,currency,posted_minor` (a header line first; `merchant_id` may be
 * left out when `defaultMerchantId` is given). Balances are integers in minor units. Every line is
 * checked; the rows come back only when no line has a problem.
 */
export function parseOpeningBalances(text: string, defaultMerchantId?: string): { rows: OpeningBalanceRow[]; problems: CsvProblem[] } {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  const problems: CsvProblem[] = [];
  const index = new Map(header.map((name, i) => [name, i]));
  for (const column of COLUMNS) {
    if (!index.has(column) && !(column === 'merchant_id' && defaultMerchantId !== undefined)) {
      problems.push({ line: 1, column, message: `missing column (expected a header line: ${COLUMNS.join(',')})` });
    }
  }
  if (problems.length > 0) return { rows: [], problems };
  const rows: OpeningBalanceRow[] = [];
  const seen = new Map<string, number>();
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    const cell = (column: string): string => cells[index.get(column) ?? -1] ?? '';
    const problem = (column: string, message: string): void => {
      problems.push({ line, column, message });
    };
    if (cells.length !== header.length) problem('(line)', `expected ${header.length} fields, found ${cells.length}`);
    const walletId = cell('wallet_id');
    if (!UUID.test(walletId)) problem('wallet_id', `must be a UUID, got "${walletId}"`);
    else if (seen.has(walletId)) problem('wallet_id', `wallet listed twice (first on line ${String(seen.get(walletId))})`);
    else seen.set(walletId, line);
    const merchantId = index.has('merchant_id') ? cell('merchant_id') : (defaultMerchantId ?? '');
    if (!UUID.test(merchantId)) problem('merchant_id', `must be a UUID, got "${merchantId}"`);
    const kind = cell('kind').toLowerCase();
    if (!(KINDS as readonly string[]).includes(kind)) problem('kind', `must be one of ${KINDS.join(', ')}, got "${cell('kind')}"`);
    const currency = cell('currency').toUpperCase();
    if (!isCurrencyCode(currency)) problem('currency', `not an ISO 4217 currency code: "${cell('currency')}"`);
    const postedText = cell('posted_minor');
    const parsed = /^\d+$/.test(postedText) ? parseInt64(postedText) : undefined;
    const posted = parsed === undefined ? undefined : toSafeMinor(parsed);
    if (posted === undefined) problem('posted_minor', `must be a whole number of minor units from 0 to 2^53-1 (no decimals), got "${postedText}"`);
    if (problems.every((p) => p.line !== line) && posted !== undefined) {
      rows.push({ walletId, merchantId, kind: kind as (typeof KINDS)[number], currency, postedMinor: posted });
    }
  });
  return { rows: problems.length > 0 ? [] : rows, problems };
}
