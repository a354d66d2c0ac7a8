import type { Pool } from '../../storage/mysql';
import { date, num, rowsOf, str, type Row } from '../../storage/mysql';
import { DLQ_HEADERS, type IncomingMessage, type MessageHeaders } from '../../streams';

/** A dead letter as `paystream dlq` shows it. */
export interface DeadLetter {
  id: number;
  sourceTopic: string;
  group: string;
  partition: number;
  position: string;
  eventId: string;
  eventType: string;
  key: string;
  error: string;
  errorCode: string;
  attempts: number;
  headers: MessageHeaders;
  payload: Buffer;
  failedAt: Date;
  replayedAt: Date | null;
}

/** Records dead letters once each (the source position makes them unique); one multi-row statement. */
export async function recordDeadLetters(pool: Pool, messages: readonly IncomingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const now = new Date();
  await pool.query(
    `INSERT IGNORE INTO dead_letters (source_topic, consumer_group, source_partition, source_position, event_id, event_type,
       message_key, error, error_code, attempts, headers, payload, failed_at, recorded_at) VALUES ?`,
    [
      messages.map((m) => {
        const h = m.headers;
        const failedAt = new Date(h[DLQ_HEADERS.failedAt] ?? '');
        return [
          h[DLQ_HEADERS.sourceTopic] ?? m.topic.replace(/\.dlq$/, ''),
          h[DLQ_HEADERS.group] ?? '',
          Number(h[DLQ_HEADERS.sourcePartition] ?? m.partition),
          h[DLQ_HEADERS.sourcePosition] ?? m.position,
          h.eventId.slice(0, 64),
          h.eventType.slice(0, 64),
          m.key.slice(0, 255),
          (h[DLQ_HEADERS.error] ?? '').slice(0, 2100),
          (h[DLQ_HEADERS.errorCode] ?? 'UNKNOWN').slice(0, 64),
          Number(h[DLQ_HEADERS.attempts] ?? 0),
          JSON.stringify(h),
          m.value,
          Number.isNaN(failedAt.getTime()) ? now : failedAt,
          now,
        ];
      }),
    ],
  );
}

const COLUMNS =
  'id, source_topic, consumer_group, source_partition, source_position, event_id, event_type, message_key, error, error_code, attempts, headers, payload, failed_at, replayed_at';

export async function listDeadLetters(pool: Pool, filter: { topic?: string; includeReplayed?: boolean; limit: number }): Promise<DeadLetter[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.topic !== undefined) {
    where.push('source_topic = ?');
    params.push(filter.topic);
  }
  if (filter.includeReplayed !== true) where.push('replayed_at IS NULL');
  const [rows] = await pool.query(`SELECT ${COLUMNS} FROM dead_letters ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`, [
    ...params,
    filter.limit,
  ]);
  return rowsOf(rows).map(toDeadLetter);
}

export async function getDeadLetter(pool: Pool, id: number): Promise<DeadLetter | undefined> {
  const [rows] = await pool.query(`SELECT ${COLUMNS} FROM dead_letters WHERE id = ?`, [id]);
  const row = rowsOf(rows)[0];
  return row === undefined ? undefined : toDeadLetter(row);
}

export async function markReplayed(pool: Pool, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await pool.query('UPDATE dead_letters SET replayed_at = ? WHERE id IN (?)', [new Date(), ids]);
}

function toDeadLetter(row: Row): DeadLetter {
  const payload = row.payload;
  if (!Buffer.isBuffer(payload)) throw new TypeError('column payload: expected bytes');
  const parsed: unknown = JSON.parse(str(row, 'headers'));
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('column headers: expected an object');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') headers[k] = v;
  const replayed = row.replayed_at === null || row.replayed_at === undefined ? null : date(row, 'replayed_at');
  return {
    id: num(row, 'id'),
    sourceTopic: str(row, 'source_topic'),
    group: str(row, 'consumer_group'),
    partition: num(row, 'source_partition'),
    position: str(row, 'source_position'),
    eventId: str(row, 'event_id'),
    eventType: str(row, 'event_type'),
    key: str(row, 'message_key'),
    error: str(row, 'error'),
    errorCode: str(row, 'error_code'),
    attempts: num(row, 'attempts'),
    headers: {
      ...headers,
      eventId: headers.eventId ?? '',
      eventType: headers.eventType ?? '',
      correlationId: headers.correlationId ?? '',
      causationId: headers.causationId ?? '',
      producedAt: headers.producedAt ?? '',
    },
    payload,
    failedAt: date(row, 'failed_at'),
    replayedAt: replayed,
  };
}
