import { compileBodyCheck } from '../../schemas/body-check';
import { avroTypeOf, createEventCodec, EVENT_TYPES, loadSchemaRegistry, SchemaDecodeError } from '../../schemas';
import { SAMPLES } from './event-samples';

const registry = loadSchemaRegistry();
const codec = createEventCodec({ registry });

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const encoded = EVENT_TYPES.flatMap((type) => SAMPLES[type].map((event) => [type, codec.encode(type, event)] as const));

describe('body bounds check', () => {
  it.each(EVENT_TYPES)('%s: walks exactly the body of every sample', (type) => {
    const check = compileBodyCheck(registry.newest(type).type);
    for (const event of SAMPLES[type]) {
      const body = registry.newest(type).type.toBuffer(event);
      const cursor = { buf: body, pos: 0 };
      check(cursor);
      expect(cursor.pos).toBe(body.length);
    }
  });

  it('rejects every truncation of every sample body as CORRUPT_BODY', () => {
    for (const [, bytes] of encoded) {
      for (let end = 10; end < bytes.length; end += 1) {
        expect(() => codec.decode(bytes.subarray(0, end))).toThrow(SchemaDecodeError);
      }
    }
  });

  it('turns random corruption into a decoded value or a SchemaDecodeError, never anything else', () => {
    const random = prng(20241121);
    let rejected = 0;
    for (let round = 0; round < 3000; round += 1) {
      const [, original] = encoded[Math.floor(random() * encoded.length)] ?? encoded[0] ?? [];
      if (original === undefined) throw new Error('no samples');
      const bytes = Buffer.from(original);
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips; i += 1) {
        bytes[10 + Math.floor(random() * (bytes.length - 10))] = Math.floor(random() * 256);
      }
      try {
        codec.decode(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(SchemaDecodeError);
        expect(err).toMatchObject({ code: 'CORRUPT_BODY' });
        rejected += 1;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('rejects a tiny body that claims a billion array items at once, instead of exhausting memory', () => {
    const header = Buffer.concat([Buffer.from([0xc3, 0x01]), registry.newest('OrderSubmitted').fingerprintBytes]);
    // orderId "o", merchantId "m", idempotencyKey "k", four empty customer strings, then items: 10^9 (zigzag varint).
    const count = [0x80, 0xa8, 0xd6, 0xb9, 0x07];
    const body = Buffer.from([2, 0x6f, 2, 0x6d, 2, 0x6b, 0, 0, 0, 0, ...count]);
    const started = Date.now();
    expect(() => codec.decode(Buffer.concat([header, body]))).toThrow(/cannot fit/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('checks blocks of arrays and maps, with negative counts, and nested records', () => {
    const type = avroTypeOf({
      type: 'record',
      name: 'T',
      fields: [
        { name: 'm', type: { type: 'map', values: { type: 'array', items: 'long' } } },
        { name: 'f', type: { type: 'fixed', name: 'F', size: 3 } },
        { name: 'd', type: ['null', 'double', 'boolean'] },
      ],
    });
    const value = { m: { a: [1, -2, 3], b: [] }, f: Buffer.from('xyz'), d: 1.5 };
    const body = type.toBuffer(value);
    const check = compileBodyCheck(type);
    const cursor = { buf: body, pos: 0 };
    check(cursor);
    expect(cursor.pos).toBe(body.length);
    for (let end = 0; end < body.length; end += 1) {
      expect(() => check({ buf: body.subarray(0, end), pos: 0 })).toThrow();
    }

    // The map as one block with a negative count (-2, zigzag 0x03) followed by its byte size (8,
    // zigzag 0x10), as the spec allows: "a": [1], "b": []; then fixed "xyz" and union branch 2 (true).
    const entries = [0x02, 0x61, 0x02, 0x02, 0x00, 0x02, 0x62, 0x00];
    const negative = Buffer.from([0x03, 0x10, ...entries, 0x00, 0x78, 0x79, 0x7a, 0x04, 0x01]);
    const walked = { buf: negative, pos: 0 };
    check(walked);
    expect(walked.pos).toBe(negative.length);
    expect(type.fromBuffer(negative)).toEqual({ m: { a: [1], b: [] }, f: Buffer.from('xyz'), d: true });
    // A negative count larger than what is left.
    expect(() => check({ buf: Buffer.from([0x13, 0x10, ...entries]), pos: 0 })).toThrow(/cannot fit/);
  });
});
