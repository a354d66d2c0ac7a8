import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { SqlWriter } from '../mysql';

/** A message waiting in the outbox: where it goes and its bytes. */
export interface OutboxMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers: { eventId: string; [name: string]: string };
}

export interface StoredOutboxMessage extends OutboxMessage {
  id: number;
}

/** Inserts the outputs of a batch in the caller's transaction (one multi-row statement). */
export async function appendOutbox(connection: SqlWriter, producer: string, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const now = new Date();
  await connection.query('INSERT IGNORE INTO outbox (producer, event_id, topic, message_key, headers, payload, created_at) VALUES ?', [
    messages.map((m) => [producer, m.headers.eventId, m.topic, m.key, JSON.stringify(m.headers), m.value, now]),
  ]);
}

/** Removes published messages (by event id). */
export async function deleteOutbox(pool: Pool, producer: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await pool.query('DELETE FROM outbox WHERE producer = ? AND event_id IN (?)', [producer, eventIds]);
}

/** Messages committed at least `olderThanMs` ago and still unpublished, oldest first. */
export async function loadStaleOutbox(pool: Pool, producer: string, olderThanMs: number, limit: number): Promise<StoredOutboxMessage[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id, topic, message_key, headers, payload FROM outbox WHERE producer = ? AND created_at <= ? ORDER BY id LIMIT ?',
    [producer, new Date(Date.now() - olderThanMs), limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    topic: String(r.topic),
    key: String(r.message_key),
    value: r.payload as Buffer,
    headers: parseHeaders(r.headers),
  }));
}

/** Message headers as stored (a JSON text, or the object parsed from one): strings, with an eventId. */
export function parseHeaders(raw: unknown): OutboxMessage['headers'] {
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (typeof value !== 'object' || value === null) throw new TypeError('message headers are not an object');
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new TypeError(`message header ${name} is not a string`);
    headers[name] = v;
  }
  const eventId = headers.eventId;
  if (eventId === undefined) throw new TypeError('message headers lack eventId');
  return { ...headers, eventId };
}
