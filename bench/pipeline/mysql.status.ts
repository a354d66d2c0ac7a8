/**
 * MariaDB's global counters (SHOW GLOBAL STATUS): statements, commits, fsyncs and row-lock waits (and
 * their milliseconds) per order.
 * The counters are server-wide, so other work on the same server is measured before the run and
 * taken off, like the CPU figures.
 */
import { num, rowsOf, str, type Pool } from '../../storage/mysql';

export const STATUS_COUNTERS = [
  'Questions',
  'Com_select',
  'Com_insert',
  'Com_update',
  'Com_delete',
  'Com_commit',
  'Com_rollback',
  'Innodb_data_fsyncs',
  'Innodb_log_writes',
  'Innodb_row_lock_waits',
  'Innodb_row_lock_time',
  'Innodb_deadlocks',
  'Bytes_received',
] as const;
export type StatusCounter = (typeof STATUS_COUNTERS)[number];
export type StatusSample = { at: number; values: Record<string, number> };

export async function readStatus(pool: Pool): Promise<StatusSample> {
  const [result] = await pool.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${STATUS_COUNTERS.map(() => '?').join(', ')})`, [...STATUS_COUNTERS]);
  const values: Record<string, number> = {};
  for (const row of rowsOf(result)) {
    const value = str(row, 'Value');
    values[str(row, 'Variable_name')] = /^\d+$/.test(value) ? Number(value) : num(row, 'Value');
  }
  return { at: Date.now(), values };
}

/** Counter rates per second between two samples. */
export function ratesBetween(from: StatusSample, to: StatusSample): Record<string, number> {
  const seconds = Math.max(0.001, (to.at - from.at) / 1000);
  const rates: Record<string, number> = {};
  for (const name of STATUS_COUNTERS) rates[name] = ((to.values[name] ?? 0) - (from.values[name] ?? 0)) / seconds;
  return rates;
}

/**
 * Counter increments per order between two samples, minus what the background rate (per second,
 * measured while the bench was idle) would have added anyway; never below zero.
 */
export function perOrder(from: StatusSample, to: StatusSample, orders: number, backgroundPerSecond: Readonly<Record<string, number>>): Record<string, number> {
  const seconds = (to.at - from.at) / 1000;
  const result: Record<string, number> = {};
  if (orders <= 0) return result;
  for (const name of STATUS_COUNTERS) {
    const delta = (to.values[name] ?? 0) - (from.values[name] ?? 0) - (backgroundPerSecond[name] ?? 0) * seconds;
    result[name] = Math.round((Math.max(0, delta) / orders) * 100) / 100;
  }
  return result;
}
