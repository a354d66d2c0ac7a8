import type { MessageHeaders, OutgoingMessage } from '../types';
import { KafkaInvalidArgumentError } from './kafka.errors';
import type { RawHeaderValue, RawRecord } from './types';

/**
 * Port messages ⇄ Kafka records. The key is the record key (UTF-8), the value the record value, and each
 * header a record header whose value is the UTF-8 bytes of the string.
 */

export const REQUIRED_HEADERS = ['eventId', 'eventType', 'correlationId', 'causationId', 'producedAt'] as const;

/** A record to produce, in the shape kafkajs's `Message` accepts. */
export interface RecordToProduce {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** A lone UTF-16 surrogate: such a string has no UTF-8 form, so it would not come back as it went in. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks one message against the port; throws a {@link KafkaInvalidArgumentError} naming what is wrong. */
export function toRecord(topic: string, index: number, message: OutgoingMessage): RecordToProduce {
  const where = `publish to ${topic}, message ${index}`;
  if (typeof message !== 'object' || message === null) throw invalid(`${where}: not a message object`);
  if (typeof message.key !== 'string') throw invalid(`${where}: key must be a string`);
  if (LONE_SURROGATE.test(message.key)) throw invalid(`${where}: key is not valid Unicode (lone surrogate)`);
  if (!Buffer.isBuffer(message.value)) throw invalid(`${where}: value must be a Buffer`);
  const source = message.headers as unknown;
  if (typeof source !== 'object' || source === null) throw invalid(`${where}: headers must be an object`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value !== 'string') throw invalid(`${where}: header ${name} must be a string`);
    if (LONE_SURROGATE.test(name) || LONE_SURROGATE.test(value)) throw invalid(`${where}: header ${name} is not valid Unicode (lone surrogate)`);
    setOwn(headers, name, value);
  }
  for (const name of REQUIRED_HEADERS) {
    if (headers[name] === undefined) throw invalid(`${where}: header ${name} is required`);
  }
  return { key: message.key, value: message.value, headers };
}

export type DecodedRecord =
  | { ok: true; key: string; value: Buffer; headers: MessageHeaders }
  /** What could be read of a record the port cannot carry, for its dead letter. */
  | { ok: false; reason: string; key: string; value: Buffer; headers: Record<string, string> };

/** Reads a fetched record; a record without key or value, or without a required header, is malformed. */
export function fromRecord(record: RawRecord): DecodedRecord {
  const headers = decodeHeaders(record.headers);
  const key = record.key === null ? '' : record.key.toString('utf8');
  const value = record.value ?? Buffer.alloc(0);
  if (record.key === null) return { ok: false, reason: 'record has no key', key, value, headers };
  if (record.value === null) return { ok: false, reason: 'record has no value (tombstone)', key, value, headers };
  const missing = REQUIRED_HEADERS.filter((name) => headers[name] === undefined);
  if (missing.length > 0) return { ok: false, reason: `record lacks header(s) ${missing.join(', ')}`, key, value, headers };
  return { ok: true, key, value, headers: headers as MessageHeaders };
}

/** Record headers as strings; of a name repeated in one record, the last value counts (as Java's `lastHeader`). */
export function decodeHeaders(raw: Readonly<Record<string, RawHeaderValue>> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw === undefined) return headers;
  for (const [name, value] of Object.entries(raw)) {
    const last: Buffer | string | undefined = isList(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    setOwn(headers, name, typeof last === 'string' ? last : last.toString('utf8'));
  }
  return headers;
}

/** Sets an own property even for a name such as `__proto__`, which plain assignment would treat as the prototype. */
function setOwn(target: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function isList(value: RawHeaderValue): value is readonly (Buffer | string)[] {
  return Array.isArray(value);
}

function invalid(message: string): KafkaInvalidArgumentError {
  return new KafkaInvalidArgumentError(message);
}
