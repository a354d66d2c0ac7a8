import { createHash } from 'node:crypto';
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

/**
 * A UUID-shaped id derived from its parts (SHA-256, version nibble 8 as RFC 9562 allows for
 * custom ids). Output events take ids derived from their input event's id, so a retried or
 * redelivered input produces the same output ids and downstream dedupe works.
 */
export function deriveId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u001f')).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
