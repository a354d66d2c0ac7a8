import type { PoolConnection, SqlWriter } from '../../storage/mysql';
import type { LogEntry } from './log-entry';
import { rowsOf, str, textLiteral } from '../../storage/mysql';

/**
 * Event ids of the batch already in `log_entries`. A plain (non-locking) read: concurrent batches of
 * other partitions must not take gap locks on the unique index, and a racing duplicate is still
 * stopped by `INSERT IGNORE`; at worst its idempotent projections apply twice.
 */
export async function loggedEventIds(connection: PoolConnection, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const [result] = await connection.query('SELECT event_id FROM log_entries WHERE event_id IN (?)', [eventIds]);
  return new Set(rowsOf(result).map((r) => str(r, 'event_id')));
}

/** One multi-row `INSERT IGNORE`: an event already logged (unique `event_id`) is skipped. */
export async function insertLogEntries(connection: SqlWriter, entries: readonly LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await connection.query(
    `INSERT IGNORE INTO log_entries
       (event_id, logged_at, produced_at, service, level, event_type, topic, message_key,
        correlation_id, causation_id, order_id, wallet_id, merchant_id, message, payload)
     VALUES ?`,
    [
      entries.map((e) => [
        e.eventId,
        e.loggedAt,
        e.producedAt,
        e.service,
        e.level,
        e.eventType,
        e.topic,
        e.key,
        e.correlationId,
        e.causationId,
        e.orderId,
        e.walletId,
        e.merchantId,
        e.message,
        textLiteral(e.payload),
      ]),
    ],
  );
}
