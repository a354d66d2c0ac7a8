/**
 * Reads mysql2 results without importing mysql2 (only `storage/` may): a SELECT yields an array of
 * row objects, anything else is a driver bug worth failing on.
 */
export type SqlRow = Readonly<Record<string, unknown>>;

export function rowsOf(result: unknown): SqlRow[] {
  if (!Array.isArray(result)) throw new TypeError('expected rows from a SELECT');
  return result.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw new TypeError('expected a row object');
    return row as SqlRow;
  });
}

export function str(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`column ${column} is not a string`);
}

export function strOrNull(row: SqlRow, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, column);
}

export function num(row: SqlRow, column: string): number {
  const value = row[column];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new TypeError(`column ${column} is not a safe integer`);
  return n;
}

export function bool(row: SqlRow, column: string): boolean {
  return num(row, column) !== 0;
}

export function date(row: SqlRow, column: string): Date {
  const value = row[column];
  if (value instanceof Date) return value;
  throw new TypeError(`column ${column} is not a date`);
}
