import { parseArgs } from 'node:util';
import type { AppConfig } from '../../config';
import { followLogs, formatLogLine, LOG_LEVELS, queryLogs, type LogFilter, type LogLevel } from '../../processors/logger';
import { createMysqlPool } from '../../storage/mysql';
import { UsageError } from '../cli.errors';

/** `paystream logs [--order ID] [--merchant ID] [--wallet ID] [--correlation ID] [--level L] [--since T] [--until T] [--limit N] [--follow] [--json]` */
export async function logsCommand(args: readonly string[], config: AppConfig, print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      order: { type: 'string' },
      merchant: { type: 'string' },
      wallet: { type: 'string' },
      correlation: { type: 'string' },
      level: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string', default: '100' },
      follow: { type: 'boolean', short: 'f', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const filter: LogFilter = {};
  if (values.order !== undefined) filter.orderId = values.order;
  if (values.merchant !== undefined) filter.merchantId = values.merchant;
  if (values.wallet !== undefined) filter.walletId = values.wallet;
  if (values.correlation !== undefined) filter.correlationId = values.correlation;
  if (values.level !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(values.level)) throw new UsageError(`--level must be one of ${LOG_LEVELS.join(', ')}`);
    filter.level = values.level as LogLevel;
  }
  if (values.since !== undefined) filter.since = parseTime('--since', values.since);
  if (values.until !== undefined) filter.until = parseTime('--until', values.until);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer within 1..10000');

  const show = (rows: readonly Parameters<typeof formatLogLine>[0][]): void => {
    for (const row of rows) print(values.json ? JSON.stringify(row) : formatLogLine(row));
  };
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 2 });
  try {
    const rows = await queryLogs(pool, { ...filter, limit, latest: true });
    show(rows);
    if (values.follow) {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const last = rows.at(-1);
      await followLogs(pool, last === undefined ? filter : { ...filter, afterId: last.id }, show, controller.signal);
    }
  } finally {
    await pool.end();
  }
}

/** An ISO time, or a duration back from now such as `15m`, `2h`, `1d`. */
function parseTime(flag: string, value: string): Date {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative !== null) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new UsageError(`${flag} must be an ISO time or a duration like 15m, got "${value}"`);
  return time;
}
