import type { Pool } from '../../storage/mysql';
import { FOLLOW_DEFAULTS, type FollowOptions } from './options';
import { date, json, num, rowsOf, str, strOrNull, type Row as SqlRow } from '../../storage/mysql';
import { LOG_LEVELS, type LogFilter, type LogLevel, type LogQuery, type LogRow } from './types';

const MAX_LIMIT = 10_000;

/**
 * `log_entries` rows matching `query`, oldest (lowest id) first. Each filter maps to an indexed
 * column: correlation id, merchant + time, order, wallet + time, level + time, time.
 * @throws {RangeError} when `limit` is not an integer between 1 and 10,000.
 */
export async function queryLogs(pool: Pool, query: LogQuery): Promise<LogRow[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIMIT) {
    throw new RangeError(`limit must be an integer between 1 and ${MAX_LIMIT}, got ${query.limit}`);
  }
  const { where, params } = whereOf(query);
  const order = query.latest === true ? 'DESC' : 'ASC';
  const [result] = await pool.query(
    `SELECT id, event_id, logged_at, produced_at, service, level, event_type, topic, message_key,
            correlation_id, causation_id, order_id, wallet_id, merchant_id, message, payload
       FROM log_entries ${where}
      ORDER BY id ${order}
      LIMIT ?`,
    [...params, query.limit],
  );
  const rows = rowsOf(result).map(toLogRow);
  return query.latest === true ? rows.reverse() : rows;
}

/**
 * Calls `onRows` with each new matching row, oldest first, polling every `pollMs` until `signal`
 * aborts; resolves then. Starts after `filter.afterId`, or after the newest row when it is not given.
 * A row with a smaller id can commit after a larger one when several loggers write, so rows logged
 * within the last `settleMs` are read again and any late one is still delivered (each row once).
 */
export async function followLogs(
  pool: Pool,
  filter: LogFilter,
  onRows: (rows: LogRow[]) => void | Promise<void>,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const pollMs = options.pollMs ?? FOLLOW_DEFAULTS.pollMs;
  const settleMs = options.settleMs ?? FOLLOW_DEFAULTS.settleMs;
  const limit = options.batchLimit ?? FOLLOW_DEFAULTS.batchLimit;
  // Every row with an id up to `floor` has been delivered or will never be visible late.
  let floor = filter.afterId ?? (await newestId(pool));
  const delivered = new Set<number>();
  while (!signal.aborted) {
    const rows = await queryLogs(pool, { ...filter, afterId: floor, limit });
    const fresh = rows.filter((r) => !delivered.has(r.id));
    if (fresh.length > 0 && !signal.aborted) {
      for (const r of fresh) delivered.add(r.id);
      await onRows(fresh);
    }
    const cutoff = Date.now() - settleMs;
    let next = floor;
    for (const r of rows) {
      if (r.loggedAt.getTime() >= cutoff) break;
      next = r.id;
    }
    // A full page of rows already delivered: move past it, or the rows after it would never be read.
    const last = rows[rows.length - 1];
    if (rows.length === limit && fresh.length === 0 && last !== undefined) next = last.id;
    floor = next;
    for (const id of delivered) if (id <= floor) delivered.delete(id);
    if (rows.length < limit) await sleep(pollMs, signal);
  }
}

async function newestId(pool: Pool): Promise<number> {
  const [result] = await pool.query('SELECT COALESCE(MAX(id), 0) AS id FROM log_entries');
  const row = rowsOf(result)[0];
  return row === undefined ? 0 : num(row, 'id');
}

function whereOf(filter: LogFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    clauses.push(clause);
    params.push(value);
  };
  if (filter.orderId !== undefined) add('order_id = ?', filter.orderId);
  if (filter.merchantId !== undefined) add('merchant_id = ?', filter.merchantId);
  if (filter.walletId !== undefined) add('wallet_id = ?', filter.walletId);
  if (filter.correlationId !== undefined) add('correlation_id = ?', filter.correlationId);
  if (filter.level !== undefined && filter.level !== 'debug') add('level IN (?)', levelsFrom(filter.level));
  if (filter.since !== undefined) add('produced_at >= ?', filter.since);
  if (filter.until !== undefined) add('produced_at < ?', filter.until);
  if (filter.afterId !== undefined) add('id > ?', filter.afterId);
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

function levelsFrom(minimum: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(minimum));
}

function toLogRow(row: SqlRow): LogRow {
  return {
    id: num(row, 'id'),
    eventId: str(row, 'event_id'),
    loggedAt: date(row, 'logged_at'),
    producedAt: date(row, 'produced_at'),
    service: str(row, 'service'),
    level: levelOf(str(row, 'level')),
    eventType: str(row, 'event_type'),
    topic: str(row, 'topic'),
    key: str(row, 'message_key'),
    correlationId: str(row, 'correlation_id'),
    causationId: str(row, 'causation_id'),
    orderId: strOrNull(row, 'order_id'),
    walletId: strOrNull(row, 'wallet_id'),
    merchantId: strOrNull(row, 'merchant_id'),
    message: str(row, 'message'),
    payload: json(row, 'payload'),
  };
}

function levelOf(value: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === value);
  if (level === undefined) throw new TypeError(`unknown log level ${value}`);
  return level;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
