import { isCurrencyCode, MAX_SAFE_MINOR, parseInt64 } from '../../money';
import { ValidationError } from '../gateway.errors';

/**
 * Field rules shared by order requests, wallet requests and merchant creation. Each returns the
 * accepted value or throws a {@link ValidationError} naming the field (as the proto names it).
 */

/** Pragmatic address check: a local part, `@`, and a domain of dot-separated labels (at least two). */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** E.164: `+`, then 7-15 digits, the first not 0 (no country code starts with 0). */
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_EMAIL_LENGTH = 254;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The fields of a decoded request message (or of a nested message). */
export type Fields = Readonly<Record<string, unknown>>;

export function asFields(field: string, value: unknown): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'is required');
  return value as Fields;
}

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

export function checkIdempotencyKey(field: string, value: unknown): string {
  const key = requireString(field, value);
  if (!IDEMPOTENCY_KEY.test(key)) throw new ValidationError(field, 'must be 1-128 characters of A-Z a-z 0-9 _ . : -');
  return key;
}

/** An id the server issued (a UUID), in lower case; `what` says what it identifies ("an order id"). */
export function checkUuid(field: string, value: unknown, what: string): string {
  const id = requireString(field, value);
  if (id.length === 0) throw new ValidationError(field, 'is required');
  if (!UUID.test(id)) throw new ValidationError(field, `must be ${what} (a UUID)`);
  return id.toLowerCase();
}

/** An int64 (a decimal string or a number) parsed exactly. */
export function checkInt64(field: string, value: unknown): bigint {
  const parsed = parseInt64(value);
  if (parsed === undefined) throw new ValidationError(field, 'must be an integer');
  return parsed;
}

/** An amount of minor units between `min` and 2^53 − 1, exact. */
export function checkMinorUnits(field: string, value: unknown, min: bigint): number {
  const amount = checkInt64(field, value);
  if (amount < min) throw new ValidationError(field, `must be ≥ ${min}`);
  if (amount > MAX_SAFE_MINOR) throw new ValidationError(field, `must be ≤ ${MAX_SAFE_MINOR}`);
  return Number(amount);
}

/** A signed amount of minor units, |value| ≤ 2^53 − 1, exact. */
export function checkSignedMinorUnits(field: string, value: unknown): number {
  const amount = checkInt64(field, value);
  if (amount > MAX_SAFE_MINOR || amount < -MAX_SAFE_MINOR) throw new ValidationError(field, `must be between -${MAX_SAFE_MINOR} and ${MAX_SAFE_MINOR}`);
  return Number(amount);
}

/** Optional text: the empty string means absent (null); otherwise at most `max` characters. */
export function checkOptionalText(field: string, value: unknown, max: number): string | null {
  const text = requireString(field, value);
  if (text.trim().length === 0) return null;
  if ([...text].length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return text;
}
