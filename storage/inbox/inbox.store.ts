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
  const seen = await readInbox(connection, consumer, eventIds);
  const fresh = [...new Set(eventIds)].filter((id) => !seen.has(id));
  if (fresh.length > 0) {
    await connection.query('INSERT INTO inbox (consumer, event_id, processed_at) VALUES ?', [fresh.map((id) => [consumer, id, new Date()])]);
  }
  return new Set(fresh);
}

/**
 * The events of `eventIds` that `consumer` has handled, each with the outputs it caused (as recorded
 * by {@link recordInbox}; none for rows without). Inside a transaction the rows found stay locked
 * until it ends.
 */
export async function readInbox(queryable: Pool | PoolConnection, consumer: string, eventIds: readonly string[]): Promise<Map<string, OutboxMessage[]>> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return new Map();
  const [rows] = await queryable.query<RowDataPacket[]>('SELECT event_id, outputs FROM inbox WHERE consumer = ? AND event_id IN (?) FOR UPDATE', [consumer, unique]);
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

/**
 * Outputs as stored: one text of ASCII with nothing SQL escaping must touch, so formatting the
 * statement copies it as it is. Outputs are separated by ",", their fields by " ": topic, key, value
 * in base64, then each header as name=value. Inside a field, "%", the separators, quotes,
 * backslashes, control and non-ASCII characters are percent-encoded (ids, topics, event types and
 * ISO times have none; base64 has none).
 */
function encodeOutputs(messages: readonly OutboxMessage[]): string {
  return messages
    .map((m) => [field(m.topic), field(m.key), m.value.toString('base64'), ...Object.entries(m.headers).map(([name, value]) => `${field(name)}=${field(value)}`)].join(' '))
    .join(',');
}

function decodeOutputs(raw: unknown): OutboxMessage[] {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw);
  if (text === '') return [];
  return text.split(',').map((output) => {
    const [topic, key, value, ...pairs] = output.split(' ');
    if (topic === undefined || key === undefined || value === undefined) throw new TypeError('an inbox output lacks its topic, key or value');
    const headers: Record<string, string> = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new TypeError(`an inbox output header is not name=value: ${pair}`);
      headers[unfield(pair.slice(0, at))] = unfield(pair.slice(at + 1));
    }
    return { topic: unfield(topic), key: unfield(key), value: Buffer.from(value, 'base64'), headers: parseHeaders(headers) };
  });
}

/** The separators, "%" and whatever SQL escaping or an ASCII text would touch. */
const RESERVED = /[^!-~]|[%,="'\\]/u;
const RESERVED_ALL = new RegExp(RESERVED.source, 'gu');

/** A field with its reserved characters percent-encoded (UTF-8). */
function field(text: string): string {
  return RESERVED.test(text) ? text.replace(RESERVED_ALL, (c) => (c === "'" ? '%27' : encodeURIComponent(c))) : text;
}

function unfield(text: string): string {
  return text.includes('%') ? decodeURIComponent(text) : text;
}
