import { hash, randomUUID } from 'node:crypto';
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
  const time = Math.floor(now).toString(16).padStart(12, '0');
  // A v4 UUID's random bits after its version nibble, with its variant bits: 74 random bits.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
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
  const prefix = UUID.test(first) ? `${first.slice(0, 8)}-${first.slice(9, 13)}` : `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${prefix}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
