/**
 * Readers for rows as the MySQL pool returns them. Rows arrive untyped; each column is checked for
 * the type the schema promises, so schema drift fails loudly instead of leaking `unknown`.
 */

export type Row = Readonly<Record<string, unknown>>;

/** The rows of a SELECT result. */
export function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) throw new TypeError('expected the rows of a SELECT');
  return (result as readonly unknown[]).map((row) => {
    if (typeof row !== 'object' || row === null) throw new TypeError('expected a row object');
    return row as Row;
  });
}

export function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`column ${column}: expected a string, got ${typeof value}`);
}

export function strOrNull(row: Row, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, column);
}

/** A BIGINT/INT column: the pool hands back numbers, or strings beyond 2^53 (refused here). */
export function num(row: Row, column: string): number {
  const value = row[column];
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed)) throw new TypeError(`column ${column}: expected a safe integer`);
  return parsed;
}

export function numOrNull(row: Row, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column);
}

/** A TINYINT(1) flag. */
export function bool(row: Row, column: string): boolean {
  return num(row, column) !== 0;
}

/** A DATETIME(3) column (UTC). */
export function date(row: Row, column: string): Date {
  const value = row[column];
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`column ${column}: expected a DATETIME`);
  return value;
}

/** A DATETIME(3) column (UTC) as epoch milliseconds. */
export function epochMs(row: Row, column: string): number {
  return date(row, column).getTime();
}

export function epochMsOrNull(row: Row, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : epochMs(row, column);
}

/** JSON columns: MySQL returns them parsed, MariaDB (where JSON is LONGTEXT) as text. */
export function json(row: Row, column: string): unknown {
  const value = row[column];
  if (typeof value === 'string') return JSON.parse(value) as unknown;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8')) as unknown;
  return value;
}
