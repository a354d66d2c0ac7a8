import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Pool, SqlWriter } from '../mysql';
import { parseHeaders, type OutboxMessage } from '../outbox';

/**
 * Records that `consumer` has handled these input events, inside the caller's transaction, and
 * returns the ids that were NOT handled before (the ones whose effects the caller must apply now).
 * Existing rows are locked, so two consumers racing on the same event serialise here; a duplicate
 * insert from such a race fails the transaction, which the runner retries. For consumers that
 * publish nothing; the others read with {@link readInbox} and record with {@link recordInbox}.
 */
export async function claimInbox(connection: PoolConnection, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const seen = await readInbox(connection, consumer, eventIds, { lock: true });
  const fresh = [...new Set(eventIds)].filter((id) => !seen.has(id));
  if (fresh.length > 0) {
    await connection.query('INSERT INTO inbox (consumer, event_id, processed_at) VALUES ?', [fresh.map((id) => [consumer, id, new Date()])]);
  }
  return new Set(fresh);
}

/**
 * The events of `eventIds` that `consumer` has handled, each with the outputs it caused (as recorded
 * by {@link recordInbox}; none for rows without). With `lock`, inside a transaction, the rows found
 * are locked until it ends.
 */
export async function readInbox(
  queryable: Pool | PoolConnection,
  consumer: string,
  eventIds: readonly string[],
  options: { lock: boolean },
): Promise<Map<string, OutboxMessage[]>> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return new Map();
  const [rows] = await queryable.query<RowDataPacket[]>(
    `SELECT event_id, outputs FROM inbox WHERE consumer = ? AND event_id IN (?)${options.lock ? ' FOR UPDATE' : ''}`,
    [consumer, unique],
  );
  return new Map(rows.map((r) => [String(r.event_id), r.outputs === null ? [] : decodeOutputs(r.outputs)]));
}

/**
 * Records, in the caller's transaction (as a deferred write, before the others), that `consumer`
 * handled `eventIds`, each row with the outputs it caused (`headers.causationId` names the event).
 * Call it first among the writes: if another member recorded one of these events meanwhile, the
 * duplicate key stops the commit before any other effect, and the runner's retry finds it handled.
 */
export async function recordInbox(writes: SqlWriter, consumer: string, eventIds: readonly string[], outputs: readonly OutboxMessage[], at: Date): Promise<void> {
  const unique = new Set(eventIds);
  if (unique.size === 0) return;
  const caused = new Map<string, OutboxMessage[]>();
  for (const m of outputs) {
    const cause = m.headers.causationId;
    if (cause === undefined || !unique.has(cause)) throw new TypeError(`output ${m.headers.eventId} names no input event of this batch as its cause`);
    const list = caused.get(cause);
    if (list === undefined) caused.set(cause, [m]);
    else list.push(m);
  }
  await writes.query('INSERT INTO inbox (consumer, event_id, processed_at, outputs) VALUES ?', [
    [...unique].map((id) => {
      const list = caused.get(id);
      return [consumer, id, at, list === undefined ? null : encodeOutputs(list)];
    }),
  ]);
}

/** Outputs as stored: a JSON array of { topic, key, headers, value (base64) }. */
function encodeOutputs(messages: readonly OutboxMessage[]): string {
  return JSON.stringify(messages.map((m) => ({ topic: m.topic, key: m.key, headers: m.headers, value: m.value.toString('base64') })));
}

function decodeOutputs(raw: unknown): OutboxMessage[] {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new TypeError('inbox outputs are not an array');
  return parsed.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new TypeError('an inbox output is not an object');
    const { topic, key, headers, value } = item as Record<string, unknown>;
    if (typeof topic !== 'string' || typeof key !== 'string' || typeof value !== 'string') throw new TypeError('an inbox output lacks its topic, key or value');
    return { topic, key, value: Buffer.from(value, 'base64'), headers: parseHeaders(headers) };
  });
}
