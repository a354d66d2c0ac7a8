/**
 * Readers for rows as the MySQL pool returns them. Rows arrive untyped; each column is checked
 * for the type the schema promises, so a schema drift fails loudly instead of leaking `unknown`.
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

export function stringColumn(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`column ${column}: expected a string, got ${typeof value}`);
  return value;
}

export function nullableStringColumn(row: Row, column: string): string | null {
  return row[column] === null ? null : stringColumn(row, column);
}

/** A BIGINT/INT column: the pool hands back numbers, and strings beyond 2^53 (refused here). */
export function integerColumn(row: Row, column: string): number {
  const value = row[column];
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed)) throw new TypeError(`column ${column}: expected a safe integer`);
  return parsed;
}

export function nullableIntegerColumn(row: Row, column: string): number | null {
  return row[column] === null ? null : integerColumn(row, column);
}

/** A DATETIME(3) column (UTC) as epoch milliseconds. */
export function timeColumn(row: Row, column: string): number {
  const value = row[column];
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`column ${column}: expected a DATETIME`);
  return value.getTime();
}

export function nullableTimeColumn(row: Row, column: string): number | null {
  return row[column] === null ? null : timeColumn(row, column);
}
