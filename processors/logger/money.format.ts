import { formatMinor, minorUnitExponent } from '../../money';

export { formatMinor };

/** The currency's ISO 4217 exponent; 2 for a code `money/` does not know. */
export function currencyExponent(currency: string): number {
  return minorUnitExponent(currency.toUpperCase()) ?? 2;
}

/** `2500, 'USD'` → `25.00 USD` (the audit log's style). */
export function formatAmount(amountMinor: number, currency: string): string {
  return `${formatMinor(amountMinor, currency)} ${currency}`;
}
