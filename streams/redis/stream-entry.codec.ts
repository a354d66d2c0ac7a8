import type { MessageHeaders } from '../types';
import { RedisTransportError } from './redis.errors';

/**
 * How a message lies in a stream entry: three fields, `k` (the key), `v` (the value's exact bytes) and
 * `h` (the headers as one JSON object of strings), so an entry costs three field/value pairs.
 */
export const ENTRY_FIELDS = { key: 'k', value: 'v', headers: 'h' } as const;
const KEY_FIELD = ENTRY_FIELDS.key;
const VALUE_FIELD = ENTRY_FIELDS.value;
const HEADERS_FIELD = ENTRY_FIELDS.headers;

const REQUIRED_HEADERS = ['eventId', 'eventType', 'correlationId', 'causationId', 'producedAt'] as const;

export function encodeHeaders(headers: MessageHeaders): string {
  return JSON.stringify(headers);
}

/** One entry of a Buffer-mode reply; `fields` is null when the entry was trimmed away but is still pending. */
export interface RawEntry {
  id: string;
  fields: readonly Buffer[] | null;
}

export interface DecodedEntry {
  ok: true;
  key: string;
  value: Buffer;
  headers: MessageHeaders;
}

/** An entry this transport did not write (or wrote with a bug): what could be read of it, and why it is refused. */
export interface MalformedEntry {
  ok: false;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  reason: string;
}

export function decodeEntry(fields: readonly Buffer[]): DecodedEntry | MalformedEntry {
  let key: string | undefined;
  let value: Buffer | undefined;
  let headersText: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as Buffer;
    const content = fields[i + 1] as Buffer;
    if (name.length !== 1) continue;
    const letter = String.fromCharCode(name[0] as number);
    if (letter === KEY_FIELD) key = content.toString('utf8');
    else if (letter === VALUE_FIELD) value = content;
    else if (letter === HEADERS_FIELD) headersText = content.toString('utf8');
  }
  const headers = parseHeaders(headersText);
  const partial = { key: key ?? '', value: value ?? Buffer.alloc(0), headers: headers ?? {} };
  if (key === undefined || value === undefined) return { ok: false, ...partial, reason: 'entry lacks the key or value field' };
  if (headers === undefined) return { ok: false, ...partial, reason: 'entry headers are missing or not a JSON object of strings' };
  if (!hasRequiredHeaders(headers)) {
    const missing = REQUIRED_HEADERS.filter((name) => headers[name] === undefined);
    return { ok: false, ...partial, reason: `entry headers lack ${missing.join(', ')}` };
  }
  return { ok: true, key, value, headers };
}

function hasRequiredHeaders(headers: Record<string, string>): headers is MessageHeaders {
  return REQUIRED_HEADERS.every((name) => headers[name] !== undefined);
}

function parseHeaders(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, content] of Object.entries(parsed)) {
    if (typeof content !== 'string') return undefined;
    headers[name] = content;
  }
  return headers;
}

// ---- reply parsing: ioredis hands replies over as `unknown`; these check their shape. ----

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function unexpected(command: string): RedisTransportError {
  return new RedisTransportError('REDIS_UNEXPECTED_REPLY', `unexpected ${command} reply shape`);
}

function text(value: unknown, command: string): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'string') return value;
  throw unexpected(command);
}

function parseEntries(value: unknown, command: string): RawEntry[] {
  if (!isArray(value)) throw unexpected(command);
  const entries: RawEntry[] = [];
  for (const item of value) {
    if (item === null) continue; // Redis 6.2 XAUTOCLAIM: a claimed id whose entry is gone.
    if (!isArray(item) || item.length < 2) throw unexpected(command);
    const fieldList = item[1];
    if (fieldList === null) {
      entries.push({ id: text(item[0], command), fields: null });
      continue;
    }
    if (!isArray(fieldList) || !fieldList.every((f): f is Buffer => Buffer.isBuffer(f))) throw unexpected(command);
    entries.push({ id: text(item[0], command), fields: fieldList });
  }
  return entries;
}

/** `XREADGROUP` in Buffer mode: stream key → entries (streams without entries are absent). */
export function parseReadReply(reply: unknown): Map<string, RawEntry[]> {
  const byStream = new Map<string, RawEntry[]>();
  if (reply === null) return byStream;
  if (!isArray(reply)) throw unexpected('XREADGROUP');
  for (const streamReply of reply) {
    if (!isArray(streamReply) || streamReply.length < 2) throw unexpected('XREADGROUP');
    const entries = parseEntries(streamReply[1], 'XREADGROUP');
    if (entries.length > 0) byStream.set(text(streamReply[0], 'XREADGROUP'), entries);
  }
  return byStream;
}

/** `XAUTOCLAIM … JUSTID`: the next cursor (`0-0` when the scan is done). */
export function parseAutoClaimCursor(reply: unknown): string {
  if (!isArray(reply) || reply.length < 2) throw unexpected('XAUTOCLAIM');
  return text(reply[0], 'XAUTOCLAIM');
}

/** Extended `XPENDING`: id → times delivered. */
export function parseDeliveryCounts(reply: unknown): Map<string, number> {
  if (!isArray(reply)) throw unexpected('XPENDING');
  const counts = new Map<string, number>();
  for (const row of reply) {
    if (!isArray(row) || row.length < 4 || typeof row[3] !== 'number') throw unexpected('XPENDING');
    counts.set(text(row[0], 'XPENDING'), row[3]);
  }
  return counts;
}

/** Summary `XPENDING`: consumer → number of entries it has not acknowledged. */
export function parsePendingConsumers(reply: unknown): Map<string, number> {
  if (!isArray(reply) || reply.length < 4) throw unexpected('XPENDING');
  const consumers = new Map<string, number>();
  const list = reply[3];
  if (list === null) return consumers;
  if (!isArray(list)) throw unexpected('XPENDING');
  for (const row of list) {
    if (!isArray(row) || row.length < 2) throw unexpected('XPENDING');
    consumers.set(text(row[0], 'XPENDING'), Number(text(row[1], 'XPENDING')));
  }
  return consumers;
}

/** A reply that must be an array of strings (e.g. `ZRANGE` returned by a script). */
export function parseStringList(reply: unknown, command: string): string[] {
  if (!isArray(reply)) throw unexpected(command);
  return reply.map((item) => text(item, command));
}
