import { minorUnitExponent } from './currencies';

/**
 * Formats integer minor units with the currency's ISO 4217 exponent, by string arithmetic so amounts
 * near 2^53 stay exact (dividing by 10^exponent would round). A code this module does not know gets
 * 2 decimals: a log line or a message must still say something for it.
 */
export function formatMinor(amountMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency.toUpperCase()) ?? 2;
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
