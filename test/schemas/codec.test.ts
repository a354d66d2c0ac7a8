import {
  avroTypeOf,
  createEventCodec,
  EVENT_TYPES,
  isSchemaDecodeError,
  loadSchemaRegistry,
  SchemaDecodeError,
  SchemaEncodeError,
} from '../../schemas';
import type { EventMap, EventType, OrderSubmitted, SchemaDecodeErrorCode } from '../../schemas';
import { isRetryable } from '../../streams/delivery';
import { SAMPLES } from './event-samples';
import { keptSchema, scratchAvroDir } from './schema-dirs';
import type { ScratchAvroDir } from './schema-dirs';

const registry = loadSchemaRegistry();
const codec = createEventCodec({ registry });

function firstSample<K extends EventType>(type: K): EventMap[K] {
  const sample = SAMPLES[type][0];
  if (sample === undefined) throw new Error(`no sample for ${type}`);
  return sample;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function expectDecodeError(fn: () => unknown, code: SchemaDecodeErrorCode): SchemaDecodeError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(SchemaDecodeError);
  if (!isSchemaDecodeError(err)) throw new Error('unreachable');
  expect(err.code).toBe(code);
  expect(err.retryable).toBe(false);
  // The transport's runner dead-letters such errors at once instead of retrying them.
  expect(isRetryable(err)).toBe(false);
  return err;
}

function expectEncodeError(fn: () => unknown): SchemaEncodeError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(SchemaEncodeError);
  if (!(err instanceof SchemaEncodeError)) throw new Error('unreachable');
  expect(err.code).toBe('INVALID_EVENT');
  expect(err.retryable).toBe(false);
  expect(isRetryable(err)).toBe(false);
  return err;
}

describe('single-object codec: round trips', () => {
  const cases = EVENT_TYPES.flatMap((type) => SAMPLES[type].map((event, index) => [type, index, event] as const));

  it.each(cases)('%s sample %d survives encode and decode', (type, _index, event) => {
    const bytes = codec.encode(type, event);
    expect(codec.decode(bytes)).toEqual({ type, event });
    expect(codec.decodeAs(type, bytes)).toEqual(event);
  });

  it.each(EVENT_TYPES)('%s: C3 01, the newest fingerprint little-endian, then the plain Avro body', (type) => {
    const event = firstSample(type);
    const bytes = codec.encode(type, event);
    const newest = registry.newest(type);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.readBigUInt64LE(2)).toBe(newest.fingerprint);
    expect(bytes.subarray(10)).toEqual(newest.type.toBuffer(event));
  });

  it('keeps timestamps and money as plain numbers', () => {
    const decoded = codec.decodeAs('OrderSubmitted', codec.encode('OrderSubmitted', firstSample('OrderSubmitted')));
    expect(typeof decoded.submittedAt).toBe('number');
    expect(decoded.submittedAt).toBe(1_732_230_000_123);
    expect(decoded.items.map((i) => i.unitPriceMinor)).toEqual([1999, 1250, 99]);
  });

  it('encodes events larger than its scratch buffer, and small ones correctly afterwards', () => {
    const base = firstSample('OrderSubmitted');
    const items = Array.from({ length: 3000 }, (_, i) => ({ sku: `SKU-${i}`, name: `Item number ${i}`, quantity: 1, unitPriceMinor: i }));
    const big: OrderSubmitted = { ...base, items, totalMinor: items.reduce((sum, i) => sum + i.unitPriceMinor, 0) };
    const bigBytes = codec.encode('OrderSubmitted', big);
    expect(bigBytes.length).toBeGreaterThan(16 * 1024);
    expect(codec.decodeAs('OrderSubmitted', bigBytes)).toEqual(big);
    expect(codec.decodeAs('OrderSubmitted', codec.encode('OrderSubmitted', base))).toEqual(base);
  });

  it('returns independent buffers (later encodes do not overwrite earlier results)', () => {
    const first = codec.encode('PaymentCompleted', firstSample('PaymentCompleted'));
    const copy = Buffer.from(first);
    codec.encode('OrderSubmitted', firstSample('OrderSubmitted'));
    expect(first).toEqual(copy);
  });
});

describe('single-object codec: invalid events', () => {
  const order = firstSample('OrderSubmitted');

  it('names a float in a long', () => {
    const err = expectEncodeError(() => codec.encode('OrderSubmitted', { ...order, totalMinor: 62.38 }));
    expect(err.eventType).toBe('OrderSubmitted');
    expect(err.fields).toEqual([{ path: 'totalMinor', expected: 'long', found: 'non-integer number' }]);
  });

  it('names a nested field of the wrong type and an unsafe integer', () => {
    const items = [
      { sku: 'A', name: 'a', quantity: '2' as unknown as number, unitPriceMinor: Number.MAX_SAFE_INTEGER },
      { sku: 'B', name: 'b', quantity: 2 ** 31, unitPriceMinor: -(2 ** 60) },
    ];
    const err = expectEncodeError(() => codec.encode('OrderSubmitted', { ...order, items }));
    expect(err.fields).toEqual([
      { path: 'items.0.quantity', expected: 'int', found: 'string' },
      // avsc's long stops at ±(2^53 - 2), one short of MAX_SAFE_INTEGER.
      { path: 'items.0.unitPriceMinor', expected: 'long', found: 'integer out of the long range' },
      { path: 'items.1.quantity', expected: 'int', found: 'integer out of the int range' },
      { path: 'items.1.unitPriceMinor', expected: 'long', found: 'integer out of the long range' },
    ]);
    expect(err.message).toContain('items.0.quantity');
  });

  it('names a missing field, an unknown enum symbol and a null where none is allowed', () => {
    const withoutCustomer: Partial<OrderSubmitted> = { ...order };
    delete withoutCustomer.customer;
    const missing = expectEncodeError(() => codec.encode('OrderSubmitted', withoutCustomer as OrderSubmitted));
    expect(missing.fields).toEqual([{ path: 'customer', expected: 'record paystream.v1.Customer', found: 'undefined' }]);

    const action = firstSample('BalanceActionRequested');
    const badKind = { ...action, kind: 'REFUND' as unknown as 'TOP_UP', walletId: null as unknown as string };
    const err = expectEncodeError(() => codec.encode('BalanceActionRequested', badKind));
    expect(err.fields).toEqual([
      { path: 'kind', expected: 'enum paystream.v1.BalanceActionKind', found: 'string' },
      { path: 'walletId', expected: 'string', found: 'null' },
    ]);
    const nullable = expectEncodeError(() =>
      codec.encode('BalanceActionRequested', { ...action, amountMinor: 1.5 }),
    );
    // avsc picks the union branch by the value's JS type, so it names the branch.
    expect(nullable.fields).toEqual([{ path: 'amountMinor', expected: 'long', found: 'non-integer number' }]);
    const notInUnion = expectEncodeError(() =>
      codec.encode('BalanceActionRequested', { ...action, counterpartyWalletId: 12 as unknown as string }),
    );
    expect(notInUnion.fields).toEqual([{ path: 'counterpartyWalletId', expected: 'null | string', found: 'integer' }]);
  });

  it('never puts field values (personal data) in the message', () => {
    const err = expectEncodeError(() =>
      codec.encode('OrderSubmitted', { ...order, customer: { ...order.customer, phone: 4915112345678 as unknown as string } }),
    );
    expect(err.fields).toEqual([{ path: 'customer.phone', expected: 'string', found: 'integer' }]);
    expect(err.message).not.toContain('4915112345678');
    expect(err.message).not.toContain(order.customer.email);
  });

  it('rejects a value that is not an object at all', () => {
    const err = expectEncodeError(() => codec.encode('PaymentFailed', null as unknown as EventMap['PaymentFailed']));
    expect(err.fields).toEqual([{ path: '', expected: 'record paystream.v1.PaymentFailed', found: 'null' }]);
  });
});

describe('single-object codec: undecodable bytes', () => {
  const completed = firstSample('OrderCompleted');
  const good = codec.encode('OrderCompleted', completed);

  it('BAD_MAGIC for bytes without the C3 01 marker, and for bytes shorter than the header', () => {
    expectDecodeError(() => codec.decode(Buffer.from(JSON.stringify(completed))), 'BAD_MAGIC');
    const wrongVersion = Buffer.from(good);
    wrongVersion[1] = 0x02;
    expectDecodeError(() => codec.decode(wrongVersion), 'BAD_MAGIC');
    expectDecodeError(() => codec.decode(good.subarray(0, 9)), 'BAD_MAGIC');
    expectDecodeError(() => codec.decode(Buffer.alloc(0)), 'BAD_MAGIC');
  });

  it('UNKNOWN_FINGERPRINT when no kept schema has the writer fingerprint', () => {
    for (const index of [2, 9]) {
      const bytes = Buffer.from(good);
      bytes[index] = (bytes[index] ?? 0) ^ 0xff;
      const err = expectDecodeError(() => codec.decode(bytes), 'UNKNOWN_FINGERPRINT');
      expect(err.fingerprint).toBe(bytes.readBigUInt64LE(2).toString(16).padStart(16, '0'));
    }
  });

  it('CORRUPT_BODY for a truncated body, trailing bytes and garbage', () => {
    expectDecodeError(() => codec.decode(good.subarray(0, good.length - 1)), 'CORRUPT_BODY');
    expectDecodeError(() => codec.decode(Buffer.concat([good, Buffer.from([0])])), 'CORRUPT_BODY');
    const header = good.subarray(0, 10);
    // A string length far beyond the message.
    expectDecodeError(() => codec.decode(Buffer.concat([header, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])])), 'CORRUPT_BODY');
    expectDecodeError(() => codec.decode(header), 'CORRUPT_BODY');
  });

  it('CORRUPT_BODY for an out-of-range enum or union index', () => {
    // Bodies written with a doctored schema whose enum and union fields are plain longs.
    const doctored = keptSchema('OrderCompleted');
    const asLong = (name: string, value: number): Buffer => {
      const schema = {
        ...doctored,
        fields: doctored.fields.map((f) => (f.name === name ? { name: f.name, type: 'long' } : f)),
      };
      return Buffer.concat([good.subarray(0, 10), avroTypeOf(schema).toBuffer({ ...completed, [name]: value })]);
    };
    const enumErr = expectDecodeError(() => codec.decode(asLong('status', 7)), 'CORRUPT_BODY');
    expect(enumErr.message).toContain('OrderCompleted v1');
    expectDecodeError(() => codec.decode(asLong('walletId', 5)), 'CORRUPT_BODY');
    expectDecodeError(() => codec.decode(asLong('walletId', -1)), 'CORRUPT_BODY');
  });

  it('TYPE_MISMATCH when decodeAs is asked for another event type', () => {
    expect(codec.decodeAs('OrderCompleted', good)).toEqual(completed);
    expectDecodeError(() => codec.decodeAs('OrderSubmitted', good), 'TYPE_MISMATCH');
  });
});

describe('single-object codec: schema evolution', () => {
  let scratch: ScratchAvroDir;
  afterEach(() => scratch.cleanup());

  it('reads bytes of an older version into the newest one, and an older reader rejects a newer writer it does not know', () => {
    scratch = scratchAvroDir();
    const v2 = keptSchema('OrderSubmitted');
    v2.fields.push({ name: 'channel', type: ['null', 'string'], default: null, doc: 'Sales channel, when known.' });
    scratch.write('OrderSubmitted', 'v2.avsc', v2);
    const evolved = createEventCodec({ registry: loadSchemaRegistry(scratch.dir) });
    const order = firstSample('OrderSubmitted');

    const v1Bytes = codec.encode('OrderSubmitted', order);
    expect(evolved.decode(v1Bytes)).toEqual({ type: 'OrderSubmitted', event: { ...order, channel: null } });

    const v2Bytes = evolved.encode('OrderSubmitted', order);
    expect(v2Bytes.subarray(2, 10)).not.toEqual(v1Bytes.subarray(2, 10));
    expect(evolved.decodeAs('OrderSubmitted', v2Bytes)).toEqual({ ...order, channel: null });
    // Single-object encoding carries only the fingerprint: a reader must keep the writer's schema.
    expectDecodeError(() => codec.decode(v2Bytes), 'UNKNOWN_FINGERPRINT');
  });
});
