import { minorUnitExponent } from '../../money';

/**
 * Formats integer minor units with the currency's ISO 4217 exponent (from `money/`), by string
 * arithmetic so amounts near 2^53 stay exact. A code `money/` does not know gets 2 decimals: the
 * audit log must still say something for it.
 */

export function currencyExponent(currency: string): number {
  return minorUnitExponent(currency.toUpperCase()) ?? 2;
}

/** `2438, 'USD'` → `24.38`; `-5, 'USD'` → `-0.05`; `1200, 'JPY'` → `1200`. */
export function formatMinor(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** `2500, 'USD'` → `25.00 USD`. */
export function formatAmount(amountMinor: number, currency: string): string {
  return `${formatMinor(amountMinor, currency)} ${currency}`;
}
