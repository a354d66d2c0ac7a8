/** Readers of the ledger's rows: each column checked for the shape the ledger wrote (BIGINT balances as bigint). */
import type { HoldStatus } from '../../schemas';
import { LedgerError } from './ledger.errors';
import type { AccountKind, ActionStatus, LedgerTransactionKind, SystemAccountCode } from './types';

export const TRANSACTION_KINDS: readonly LedgerTransactionKind[] = ['SALE', 'TOP_UP', 'USAGE', 'TRANSFER', 'VOID', 'OPENING_BALANCE'];
export const HOLD_STATUSES: readonly HoldStatus[] = ['HELD', 'POSTED', 'RELEASED', 'REJECTED', 'VOIDED'];
export const ACTION_STATUSES: readonly ActionStatus[] = ['PENDING', 'HELD', 'REJECTED', 'POSTED', 'RELEASED', 'VOIDED'];
export const ACCOUNT_KINDS: readonly AccountKind[] = ['personal', 'enterprise', 'reseller', 'system'];
export const SYSTEM_CODES: readonly SystemAccountCode[] = ['psp_clearing', 'platform_revenue', 'topup_clearing', 'usage_revenue', 'erp_suspense', 'opening_balance'];

export type Row = Record<string, unknown>;

/** The rows of a SELECT, checked rather than cast. */
export function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) throw corrupt('a SELECT returned no rows array');
  return result.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw corrupt('a SELECT returned a row that is not an object');
    return row as Row;
  });
}

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw corrupt(`column ${column} is not text`);
  return value;
}

export function nullableText(row: Row, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}

export function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = text(row, column);
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw corrupt(`column ${column} holds unknown value "${value}"`);
  return match;
}

/** BIGINT columns come back as numbers, or as strings beyond 2^53 (`supportBigNumbers`). */
export function bigintOf(row: Row, column: string): bigint {
  const value = row[column];
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw corrupt(`column ${column} is not an integer`);
}

export function safeInteger(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw corrupt(`column ${column} is not a safe integer`);
}

export function time(row: Row, column: string): number {
  const value = row[column];
  if (value instanceof Date) return value.getTime();
  throw corrupt(`column ${column} is not a DATETIME`);
}

export function corrupt(message: string): LedgerError {
  return new LedgerError('LEDGER_CORRUPT_ROW', `ledger store: ${message}`);
}

export function nullableSafeInteger(row: Row, column: string): number | null {
  return row[column] === null ? null : safeInteger(row, column);
}

export function nullableTime(row: Row, column: string): number | null {
  return row[column] === null ? null : time(row, column);
}
