import { types as avroTypes } from 'avsc';
import type { Resolver, Type } from 'avsc';
import { compileBodyCheck } from './body-check';
import type { BodyCheck, BodyCursor } from './body-check';
import type { AnyEvent, EventMap, EventType } from './events';
import { EVENT_TYPES } from './events';
import { fingerprintHex } from './fingerprint';
import type { EventCodecOptions } from './options';
import { loadSchemaRegistry } from './registry';
import { SchemaDecodeError, SchemaEncodeError } from './schemas.errors';
import type { InvalidField } from './schemas.errors';
import type { EventCodec, SchemaVersion } from './types';

/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"): the two marker bytes
 * `C3 01`, the writer schema's CRC-64-AVRO fingerprint as 8 little-endian bytes, then the Avro
 * binary body. Every message thus names its writer schema, and readers resolve it to their own.
 */
export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

const INITIAL_SCRATCH_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

interface WriterEntry {
  readonly type: Type;
  /** Magic and fingerprint, built once per event type. */
  readonly header: Buffer;
}

interface ReaderEntry {
  readonly eventType: EventType;
  readonly version: SchemaVersion;
  /** High 32 bits of the fingerprint (the lookup map is keyed by the low 32 bits). */
  readonly fingerprintHigh: number;
  /** The newest type of the event: what every version is read into. */
  readonly readerType: Type;
  /** Writer-to-reader resolver; undefined when the writer is the newest version itself. */
  readonly resolver: Resolver | undefined;
  /** Bounds check of bodies written with this version, run before avsc reads them. */
  readonly check: BodyCheck;
}

/**
 * Creates the codec over every kept schema version. Resolvers from each older version to the
 * newest one are built here, once, so an unreadable old version fails at start-up, not per message.
 */
export function createEventCodec(options: EventCodecOptions = {}): EventCodec {
  const registry = options.registry ?? loadSchemaRegistry();
  const writers = new Map<EventType, WriterEntry>();
  const readers = new Map<number, ReaderEntry[]>();
  for (const eventType of EVENT_TYPES) {
    const newest = registry.newest(eventType);
    writers.set(eventType, {
      type: newest.type,
      header: Buffer.concat([SINGLE_OBJECT_MAGIC, newest.fingerprintBytes]),
    });
    for (const version of registry.versionsOf(eventType)) {
      const low = version.fingerprintBytes.readUInt32LE(0);
      const entry: ReaderEntry = {
        eventType,
        version,
        fingerprintHigh: version.fingerprintBytes.readUInt32LE(4),
        readerType: newest.type,
        resolver: version === newest ? undefined : newest.type.createResolver(version.type),
        check: compileBodyCheck(version.type),
      };
      const bucket = readers.get(low);
      if (bucket === undefined) readers.set(low, [entry]);
      else bucket.push(entry);
    }
  }

  // One growing scratch buffer and one body cursor per codec: encoding and decoding are
  // synchronous, so calls never interleave.
  let scratch: Buffer = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  const cursor: BodyCursor = { buf: EMPTY, pos: 0 };

  function encode<K extends EventType>(type: K, event: EventMap[K]): Buffer {
    const writer = writers.get(type);
    if (writer === undefined) {
      throw new SchemaEncodeError(String(type), [{ path: '', expected: 'a known event type', found: String(type) }]);
    }
    let end: number;
    try {
      writer.header.copy(scratch, 0);
      end = writer.type.encode(event, scratch, SINGLE_OBJECT_HEADER_LENGTH);
      if (end < 0) {
        // avsc returns minus the number of missing bytes; grow and write again.
        scratch = grownScratch(scratch, scratch.length - end);
        writer.header.copy(scratch, 0);
        end = writer.type.encode(event, scratch, SINGLE_OBJECT_HEADER_LENGTH);
      }
    } catch (err) {
      throw new SchemaEncodeError(type, invalidFields(writer.type, event), err);
    }
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, 0, 0, end);
    return out;
  }

  function entryOf(buffer: Buffer): ReaderEntry {
    if (buffer.length < SINGLE_OBJECT_HEADER_LENGTH || buffer[0] !== 0xc3 || buffer[1] !== 0x01) {
      const reason = buffer.length < SINGLE_OBJECT_HEADER_LENGTH ? `only ${buffer.length} bytes` : 'no C3 01 marker';
      throw new SchemaDecodeError('BAD_MAGIC', `not an Avro single-object message: ${reason}`);
    }
    const low = buffer.readUInt32LE(2);
    const high = buffer.readUInt32LE(6);
    const bucket = readers.get(low);
    if (bucket !== undefined) {
      for (const entry of bucket) if (entry.fingerprintHigh === high) return entry;
    }
    const fingerprint = fingerprintHex(buffer.readBigUInt64LE(2));
    throw new SchemaDecodeError('UNKNOWN_FINGERPRINT', `no kept schema has fingerprint ${fingerprint}`, { fingerprint });
  }

  function body(entry: ReaderEntry, buffer: Buffer): unknown {
    cursor.buf = buffer;
    cursor.pos = SINGLE_OBJECT_HEADER_LENGTH;
    try {
      entry.check(cursor);
    } catch (err) {
      throw corrupt(entry, err instanceof Error ? err.message : String(err), err);
    } finally {
      cursor.buf = EMPTY; // do not keep the message alive
    }
    if (cursor.pos !== buffer.length) throw corrupt(entry, `${buffer.length - cursor.pos} trailing bytes`);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = entry.readerType.decode(buffer, SINGLE_OBJECT_HEADER_LENGTH, entry.resolver);
    } catch (err) {
      throw corrupt(entry, err instanceof Error ? err.message : String(err), err);
    }
    if (decoded.offset < 0) throw corrupt(entry, 'body truncated');
    if (decoded.offset !== buffer.length) throw corrupt(entry, `${buffer.length - decoded.offset} trailing bytes`);
    return decoded.value;
  }

  return {
    encode,
    decode(buffer) {
      const entry = entryOf(buffer);
      // The schema check is the validation: the types-match test keeps the newest schema of each
      // event equal to its TypeScript declaration, so the resolved value has the declared shape.
      return { type: entry.eventType, event: body(entry, buffer) } as AnyEvent;
    },
    decodeAs<K extends EventType>(type: K, buffer: Buffer): EventMap[K] {
      const entry = entryOf(buffer);
      if (entry.eventType !== type) {
        throw new SchemaDecodeError('TYPE_MISMATCH', `expected ${type}, the bytes carry ${entry.eventType}`, {
          fingerprint: fingerprintHex(entry.version.fingerprint),
        });
      }
      // See decode: the newest schema of K matches EventMap[K] field by field.
      return body(entry, buffer) as EventMap[K];
    },
  };
}

function corrupt(entry: ReaderEntry, reason: string, cause?: unknown): SchemaDecodeError {
  return new SchemaDecodeError('CORRUPT_BODY', `${entry.eventType} v${entry.version.version}: ${reason}`, {
    fingerprint: fingerprintHex(entry.version.fingerprint),
    cause,
  });
}

function grownScratch(current: Buffer, needed: number): Buffer {
  let size = current.length * 2;
  while (size < needed) size *= 2;
  return Buffer.allocUnsafe(size);
}

/** Walks the value with avsc's validator to name every field at fault (only on the error path). */
function invalidFields(type: Type, value: unknown): InvalidField[] {
  const fields: InvalidField[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, expected: Type) => {
      fields.push({ path: path.join('.'), expected: describe(expected), found: describeValue(found, expected) });
    },
  });
  return fields;
}

function describe(type: Type): string {
  if (type instanceof avroTypes.UnwrappedUnionType || type instanceof avroTypes.WrappedUnionType) {
    return type.types.map(describe).join(' | ');
  }
  if (type.name !== undefined) return `${type.typeName} ${type.name}`;
  return type.typeName;
}

function describeValue(value: unknown, expected: Type): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'non-integer number';
    // avsc's int is 32-bit; its long stops at ±(2^53 - 2) so that zigzag encoding stays exact.
    if (expected.typeName === 'int' || expected.typeName === 'long') return `integer out of the ${expected.typeName} range`;
    return 'integer';
  }
  return typeof value;
}
