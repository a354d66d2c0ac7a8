import type { LogEntry } from './log-entry';
/** Levels of `log_entries.level`, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One `log_entries` row as readers see it. */
export interface LogRow extends Omit<LogEntry, 'payload'> {
  id: number;
  /** The event as JSON (payment tokens redacted). */
  payload: unknown;
}

/** What `paystream logs` filters by; every given field narrows the result. */
export interface LogFilter {
  orderId?: string;
  merchantId?: string;
  walletId?: string;
  correlationId?: string;
  /** Minimum level: `warn` returns warn and error rows. */
  level?: LogLevel;
  /** Events produced at or after this time. */
  since?: Date;
  /** Events produced before this time. */
  until?: Date;
  /** Only rows with a larger id (paging and following). */
  afterId?: number;
}

export interface LogQuery extends LogFilter {
  /** Most rows returned (1–10,000). */
  limit: number;
  /** The last `limit` matching rows instead of the first ones; still returned oldest first. */
  latest?: boolean;
}
