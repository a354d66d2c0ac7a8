import type { Type } from 'avsc';
import type { AnyEvent, EventMap, EventType } from './events';

/** One kept version of one event's schema: `schemas/avro/<EventType>/v<version>.avsc`. */
export interface SchemaVersion {
  readonly eventType: EventType;
  /** 1, 2, … in release order. */
  readonly version: number;
  /** The file it was read from. */
  readonly file: string;
  /** The schema as parsed JSON. */
  readonly schema: unknown;
  /** The avsc type built from it (longs stay numbers; timestamps stay epoch milliseconds). */
  readonly type: Type;
  /** Parsing Canonical Form of the schema. */
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, unsigned. */
  readonly fingerprint: bigint;
  /** The fingerprint, 8 bytes little-endian, as written in single-object headers. */
  readonly fingerprintBytes: Buffer;
}

/** Every kept schema version of every event type. */
export interface SchemaRegistry {
  /** The versions of `type`, oldest first; never empty. */
  versionsOf(type: EventType): readonly SchemaVersion[];
  /** The newest version of `type`: what producers write and consumers read into. */
  newest(type: EventType): SchemaVersion;
  /** Every version of every event type. */
  all(): readonly SchemaVersion[];
}

/** Encodes and decodes events with Avro single-object encoding. */
export interface EventCodec {
  /**
   * `C3 01`, the 8-byte little-endian CRC-64-AVRO fingerprint of the newest schema of `type`, then
   * the Avro binary body. Throws a `SchemaEncodeError` naming the fields at fault when `event` does
   * not fit the schema.
   */
  encode<K extends EventType>(type: K, event: EventMap[K]): Buffer;
  /**
   * Decodes bytes written with any kept schema version of any event, resolved to the newest version
   * of the same event. Throws a `SchemaDecodeError` (`BAD_MAGIC`, `UNKNOWN_FINGERPRINT`, `CORRUPT_BODY`).
   */
  decode(buffer: Buffer): AnyEvent;
  /** As {@link decode}, and throws a `SchemaDecodeError` (`TYPE_MISMATCH`) unless the bytes carry a `type`. */
  decodeAs<K extends EventType>(type: K, buffer: Buffer): EventMap[K];
}
