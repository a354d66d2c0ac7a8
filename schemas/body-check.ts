import { types as avroTypes } from 'avsc';
import type { Type } from 'avsc';

/**
 * A bounds check of an Avro binary body against its writer schema, run before avsc decodes it.
 *
 * Why: avsc trusts array and map block counts. A corrupt or hostile 20-byte message claiming an
 * array of 10^9 records makes avsc allocate and loop until the process runs out of memory (measured:
 * about a minute, then a fatal OOM), and a crashed consumer gets the same message again. This walk
 * allocates nothing and rejects such a body in time proportional to its length: every varint must
 * end inside the buffer, every string, bytes or fixed must fit in what is left, enum and union
 * indexes must be in range, and a block of n items needs at least n times the smallest encoded
 * size of an item.
 */

/** Where the walk stands; one mutable cursor per codec (decoding is synchronous). */
export interface BodyCursor {
  buf: Buffer;
  pos: number;
}

/** Advances `cursor.pos` over one value, or throws a {@link BodyCheckError}. */
export type BodyCheck = (cursor: BodyCursor) => void;

/** Thrown by a {@link BodyCheck} when the bytes cannot be a value of the schema. */
export class BodyCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyCheckError';
  }
}

/** Items whose encoding may be empty (nulls, empty records) have no byte bound; cap their count. */
const MAX_ZERO_WIDTH_ITEMS = 1_000_000;

interface Compiled {
  readonly check: BodyCheck;
  /** Smallest number of bytes a value of the type encodes to. */
  readonly minSize: number;
}

/** Compiles the check of bodies written with `writer`. */
export function compileBodyCheck(writer: Type): BodyCheck {
  return compile(writer, new Map()).check;
}

function compile(type: Type, records: Map<string, Compiled>): Compiled {
  switch (type.typeName) {
    case 'null':
      return { check: () => undefined, minSize: 0 };
    case 'boolean':
      return { check: (c) => skipBytes(c, 1), minSize: 1 };
    case 'int':
      return { check: (c) => void readVarint(c, 5), minSize: 1 };
    case 'long':
      return { check: (c) => void readVarint(c, 10), minSize: 1 };
    case 'float':
      return { check: (c) => skipBytes(c, 4), minSize: 4 };
    case 'double':
      return { check: (c) => skipBytes(c, 8), minSize: 8 };
    case 'string':
    case 'bytes':
      return { check: skipLengthPrefixed, minSize: 1 };
    default:
      return compileComplex(type, records);
  }
}

function compileComplex(type: Type, records: Map<string, Compiled>): Compiled {
  if (type instanceof avroTypes.EnumType) {
    const count = type.symbols.length;
    return { check: (c) => void readIndex(c, count, 'enum'), minSize: 1 };
  }
  if (type instanceof avroTypes.FixedType) {
    const size = type.size;
    return { check: (c) => skipBytes(c, size), minSize: size };
  }
  if (type instanceof avroTypes.UnwrappedUnionType || type instanceof avroTypes.WrappedUnionType) {
    const branches = type.types.map((branch) => compile(branch, records).check);
    return {
      check: (c) => {
        const branch = branches[readIndex(c, branches.length, 'union')];
        if (branch !== undefined) branch(c);
      },
      minSize: 1,
    };
  }
  if (type instanceof avroTypes.ArrayType) {
    const items = compile(type.itemsType, records);
    return { check: blocksCheck(items.minSize, items.check), minSize: 1 };
  }
  if (type instanceof avroTypes.MapType) {
    const values = compile(type.valuesType as Type, records);
    const entry: BodyCheck = (c) => {
      skipLengthPrefixed(c);
      values.check(c);
    };
    return { check: blocksCheck(1 + values.minSize, entry), minSize: 1 };
  }
  if (type instanceof avroTypes.RecordType) return compileRecord(type, records);
  throw new Error(`no body check for Avro type ${type.typeName}`);
}

function compileRecord(type: avroTypes.RecordType, records: Map<string, Compiled>): Compiled {
  const name = type.name ?? '';
  const known = records.get(name);
  if (known !== undefined) return known;
  // A recursive record refers to itself before its fields are compiled: the check reads the field
  // list late, and the size counts as 0 there (a safe underestimate).
  let fieldChecks: BodyCheck[] = [];
  const check: BodyCheck = (c) => {
    for (let i = 0; i < fieldChecks.length; i += 1) (fieldChecks[i] as BodyCheck)(c);
  };
  records.set(name, { check, minSize: 0 });
  const fields = type.fields.map((field) => compile(field.type, records));
  fieldChecks = fields.map((f) => f.check);
  const compiled: Compiled = { check, minSize: fields.reduce((sum, f) => sum + f.minSize, 0) };
  records.set(name, compiled);
  return compiled;
}

/** Arrays and maps: blocks of `count` items (a negative count is followed by the block's byte size), ended by 0. */
function blocksCheck(itemMinSize: number, item: BodyCheck): BodyCheck {
  return (c) => {
    let total = 0;
    for (let count = readVarint(c, 10); count !== 0; count = readVarint(c, 10)) {
      if (count < 0) {
        count = -count;
        if (readVarint(c, 10) < 0) throw new BodyCheckError('negative block size');
      }
      total += count;
      if (itemMinSize > 0 ? count * itemMinSize > c.buf.length - c.pos : total > MAX_ZERO_WIDTH_ITEMS) {
        throw new BodyCheckError(`a block of ${count} items cannot fit in ${c.buf.length - c.pos} bytes`);
      }
      for (let i = 0; i < count; i += 1) item(c);
    }
  };
}

/** A zigzag varint of at most `maxBytes` bytes. Exact up to 2^53; beyond, only size and sign matter here. */
function readVarint(c: BodyCursor, maxBytes: number): number {
  const { buf } = c;
  const start = c.pos;
  let pos = start;
  let n = 0;
  let scale = 1;
  let byte: number;
  do {
    if (pos >= buf.length) throw new BodyCheckError('truncated varint');
    if (pos - start >= maxBytes) throw new BodyCheckError('varint too long');
    byte = buf[pos] as number;
    pos += 1;
    n += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  c.pos = pos;
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function readIndex(c: BodyCursor, count: number, what: string): number {
  const index = readVarint(c, 10);
  if (index < 0 || index >= count) throw new BodyCheckError(`${what} index ${index} out of range`);
  return index;
}

function skipBytes(c: BodyCursor, n: number): void {
  if (n > c.buf.length - c.pos) throw new BodyCheckError('truncated body');
  c.pos += n;
}

function skipLengthPrefixed(c: BodyCursor): void {
  const length = readVarint(c, 10);
  if (length < 0) throw new BodyCheckError('negative length');
  skipBytes(c, length);
}
