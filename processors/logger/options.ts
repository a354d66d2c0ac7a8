import type { Logger } from 'pino';
import type { Pool } from '../../storage/mysql';

export interface LoggerProcessorOptions {
  pool: Pool;
  logger: Logger;
  /** Name of the processor: its consumer group and the `processor` field of its logs (default `logger`). */
  service?: string;
}

export const LOGGER_DEFAULTS = { service: 'logger' } as const;

/** How often {@link followLogs} polls, and how long it keeps re-reading recent rows that may commit late. */
export interface FollowOptions {
  /** Default 500 ms. */
  pollMs?: number;
  /**
   * Rows logged within this window are read again on the next poll (default 3,000 ms): with several
   * logger processes a row with a smaller id can commit after a larger one is already visible.
   */
  settleMs?: number;
  /** Most rows per poll (default 1,000). */
  batchLimit?: number;
}

export const FOLLOW_DEFAULTS = { pollMs: 500, settleMs: 3_000, batchLimit: 1_000 } as const;
