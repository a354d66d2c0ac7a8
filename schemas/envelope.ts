import { hash, randomFillSync } from 'node:crypto';
import type { EventMap, EventType } from './events';
import type { EventCodec } from './types';

/**
 * How an event becomes a message and back: the headers of design.md §3 plus the single-object
 * encoded payload. The shape is the transport port's `OutgoingMessage`, declared structurally so
 * that `schemas/` does not depend on `streams/`.
 */
export interface EventHeaders {
  eventId: string;
  eventType: string;
  correlationId: string;
  causationId: string;
  producedAt: string;
  [name: string]: string;
}

export interface EncodedMessage {
  key: string;
  value: Buffer;
  headers: EventHeaders;
}

export interface EventEnvelope<K extends EventType = EventType> {
  type: K;
  event: EventMap[K];
  eventId: string;
  key: string;
  correlationId: string;
  /** The event that caused this one; a flow's first event names itself. */
  causationId: string;
  producedAt?: Date;
}

export function toMessage<K extends EventType>(codec: EventCodec, envelope: EventEnvelope<K>): EncodedMessage {
  return {
    key: envelope.key,
    value: codec.encode(envelope.type, envelope.event),
    headers: {
      eventId: envelope.eventId,
      eventType: envelope.type,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      producedAt: (envelope.producedAt ?? new Date()).toISOString(),
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A new entity id (an order, a balance action): a UUIDv7 (RFC 9562), whose first 48 bits are the
 * time in epoch ms and the rest random. Ids made later sort later, so rows keyed by them, and by the
 * ids {@link deriveId} derives from them, are appended at the end of their indexes instead of at
 * random places in them (which, once an index outgrows the buffer pool, costs a page read and a
 * page write per row).
 */
export function newId(now: number = Date.now()): string {
  const bytes = idBytes;
  const time = Math.floor(now);
  bytes.writeUIntBE(time, 0, 6);
  nextRandom(10).copy(bytes, 6);
  // Version 7, and the RFC 9562 variant: 74 random bits remain.
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  return formatUuid(bytes);
}

/**
 * A UUID-shaped id derived from its parts (SHA-256, version nibble 8 as RFC 9562 allows for
 * custom ids). Output events take ids derived from their input event's id, so a retried or
 * redelivered input produces the same output ids and downstream dedupe works. When the first part
 * is a UUID, the derived id keeps its first 48 bits (the time of a {@link newId}) and takes the
 * other 74 from the hash: everything derived from one order sorts by the order's time.
 */
export function deriveId(...parts: readonly string[]): string {
  const hex = hash('sha256', parts.join('\u001f'), 'hex');
  const first = parts[0] ?? '';
  const text = Buffer.allocUnsafe(36);
  if (UUID.test(first)) {
    copyAscii(first, 0, 13, text, 0);
  } else {
    copyAscii(hex, 0, 8, text, 0);
    text[8] = DASH;
    copyAscii(hex, 8, 12, text, 9);
  }
  // Hex digit 12 gives way to the version (8); the variant takes the top two bits of digit 16.
  text[13] = DASH;
  text[14] = 0x38;
  copyAscii(hex, 13, 16, text, 15);
  text[18] = DASH;
  text[19] = HEX_DIGITS[(hexValue(hex.charCodeAt(16)) & 0x3) | 0x8] as number;
  copyAscii(hex, 17, 20, text, 20);
  text[23] = DASH;
  copyAscii(hex, 20, 32, text, 24);
  return text.toString('latin1', 0, 36);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;
/** Reused by {@link newId}: it is formatted before anything else can run. */
const idBytes = Buffer.alloc(16);
const randomPool = Buffer.alloc(10 * 256);
let randomAt = randomPool.length;

/** `n` random bytes from a pool refilled 2.5 KB at a time (one system call for 256 ids). */
function nextRandom(n: number): Buffer {
  if (randomAt + n > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const taken = randomPool.subarray(randomAt, randomAt + n);
  randomAt += n;
  return taken;
}

function hexValue(code: number): number {
  // '0'-'9' or 'a'-'f': a lower-case hex digit.
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

function copyAscii(source: string, from: number, to: number, target: Buffer, at: number): void {
  for (let i = from; i < to; i += 1) target[at + i - from] = source.charCodeAt(i);
}

/**
 * The 8-4-4-4-12 text of 16 bytes, written out in one buffer, as {@link deriveId} writes its own.
 * Joining the parts as strings instead leaves V8 a tree of joins and slices (that, for a derived
 * id, keeps the whole SHA-256 hex text alive): an id cost 240 (new) to 390 (derived) bytes of heap
 * instead of 56, for as long as an event's headers live (the memory transport keeps every message
 * until each group has handled it).
 */
function formatUuid(bytes: Buffer): string {
  const text = Buffer.allocUnsafe(36);
  let at = 0;
  for (let i = 0; i < 16; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = DASH;
    const byte = bytes[i] as number;
    text[at++] = HEX_DIGITS[byte >> 4] as number;
    text[at++] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return text.toString('latin1', 0, 36);
}
