import { isCurrencyCode } from '../../money';
import { ValidationError } from '../gateway.errors';

/**
 * Field rules shared by order requests and merchant creation. Each returns the accepted value or
 * throws a {@link ValidationError} naming the field.
 */

/** Pragmatic address check: a local part, `@`, and a domain of dot-separated labels (at least two). */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** E.164: `+`, then 7-15 digits, the first not 0 (no country code starts with 0). */
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_EMAIL_LENGTH = 254;

export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  return value;
}

/** A non-blank string of `min`-`max` characters (code points, not UTF-16 units). */
export function checkText(field: string, value: unknown, max: number): string {
  const text = requireString(field, value);
  if (text.trim().length === 0) throw new ValidationError(field, 'is required');
  if ([...text].length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return text;
}

export function checkEmail(field: string, value: unknown): string {
  const email = requireString(field, value);
  if (email.length === 0) throw new ValidationError(field, 'is required');
  if (email.length > MAX_EMAIL_LENGTH) throw new ValidationError(field, `must be at most ${MAX_EMAIL_LENGTH} characters`);
  if (!EMAIL.test(email)) throw new ValidationError(field, 'must be an email address (name@example.com)');
  return email;
}

/** An E.164 number; with `optional`, the empty string (unknown) is accepted too. */
export function checkPhone(field: string, value: unknown, optional: boolean): string {
  const phone = requireString(field, value);
  if (phone.length === 0) {
    if (optional) return phone;
    throw new ValidationError(field, 'is required');
  }
  if (!E164.test(phone)) throw new ValidationError(field, 'must be an E.164 number: + and 7-15 digits (+14155550123)');
  return phone;
}

export function checkCurrency(field: string, value: unknown): string {
  const code = requireString(field, value);
  if (!isCurrencyCode(code)) throw new ValidationError(field, 'must be an active ISO 4217 currency code in upper case (USD, EUR, JPY …)');
  return code;
}
