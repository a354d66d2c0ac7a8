import { KafkaInvalidArgumentError } from '../../../streams/kafka';
import { decodeHeaders, fromRecord, toRecord } from '../../../streams/kafka/record.codec';
import type { MessageHeaders, OutgoingMessage } from '../../../streams/types';

const base: MessageHeaders = { eventId: 'e-1', eventType: 'OrderSubmitted', correlationId: 'o-1', causationId: 'e-1', producedAt: '2024-05-01T12:00:00.000Z' };

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { key: 'merchant-1', value: Buffer.from([0, 1, 2, 255]), headers: { ...base }, ...overrides };
}

describe('kafka record codec', () => {
  describe('toRecord (publishing)', () => {
    it('keeps the key, the bytes and every header as a string record header', () => {
      const headers = { ...base, 'x-ünïcödé-名前': 'värde ✓ 🚀', 'x-empty': '', 'x-lines': 'a\nb\r\n' };
      const value = Buffer.from('payload');
      expect(toRecord('orders', 0, message({ key: 'ключ-🔑', value, headers }))).toEqual({ key: 'ключ-🔑', value, headers });
    });

    it('keeps a header named __proto__ as a header', () => {
      const headers = JSON.parse(`{"eventId":"e","eventType":"t","correlationId":"c","causationId":"c","producedAt":"p","__proto__":"kept"}`) as MessageHeaders;
      const record = toRecord('orders', 0, message({ headers }));
      expect(Object.entries(record.headers)).toContainEqual(['__proto__', 'kept']);
      expect(Object.getPrototypeOf(record.headers)).toBe(Object.prototype);
    });

    it.each<[string, unknown, RegExp]>([
      ['a missing key', { ...message(), key: undefined }, /message 2: key must be a string/],
      ['a key with a lone surrogate', message({ key: 'a\uD800b' }), /key is not valid Unicode/],
      ['a string value', { ...message(), value: 'bytes' }, /value must be a Buffer/],
      ['no headers', { ...message(), headers: null }, /headers must be an object/],
      ['a numeric header', { ...message(), headers: { ...base, attempt: 1 } }, /header attempt must be a string/],
      ['a header with a lone surrogate', message({ headers: { ...base, note: '\uDC00' } }), /header note is not valid Unicode/],
      ['no eventId', { ...message(), headers: { eventType: 't', correlationId: 'c', causationId: 'c', producedAt: 'p' } }, /header eventId is required/],
      ['an undefined header', { ...message(), headers: { ...base, eventId: undefined } }, /header eventId must be a string/],
      ['no producedAt', { ...message(), headers: { eventId: 'e', eventType: 't', correlationId: 'c', causationId: 'c' } }, /header producedAt is required/],
      ['not an object', 'message', /not a message object/],
    ])('rejects %s with an invalid-argument error naming the message', (_what, bad, expected) => {
      let thrown: unknown;
      try {
        toRecord('orders', 2, bad as OutgoingMessage);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(KafkaInvalidArgumentError);
      expect((thrown as Error).message).toMatch(/^publish to orders, message 2/);
      expect((thrown as Error).message).toMatch(expected);
    });
  });

  describe('fromRecord (consuming)', () => {
    it('decodes Buffer header values as UTF-8 strings and keeps string ones', () => {
      const raw = {
        offset: '41',
        key: Buffer.from('ключ-🔑', 'utf8'),
        value: Buffer.from([9, 8, 7]),
        headers: {
          eventId: Buffer.from('e-1'),
          eventType: 'OrderSubmitted',
          correlationId: Buffer.from('корреляция-🚀', 'utf8'),
          causationId: Buffer.from('e-1'),
          producedAt: Buffer.from(base.producedAt),
          'x-empty': Buffer.alloc(0),
        },
      };
      expect(fromRecord(raw)).toEqual({
        ok: true,
        key: 'ключ-🔑',
        value: Buffer.from([9, 8, 7]),
        headers: { ...base, correlationId: 'корреляция-🚀', 'x-empty': '' },
      });
    });

    it('round-trips what toRecord produced', () => {
      const original = message({ key: 'wallet-🔑', headers: { ...base, 'x-quotes': `"a" 'b' \\c` } });
      const produced = toRecord('orders', 0, original);
      const asFetched = Object.fromEntries(Object.entries(produced.headers).map(([name, value]) => [name, Buffer.from(value, 'utf8')]));
      const decoded = fromRecord({ offset: '0', key: Buffer.from(produced.key, 'utf8'), value: produced.value, headers: asFetched });
      expect(decoded).toEqual({ ok: true, key: original.key, value: original.value, headers: original.headers });
    });

    it('reports what is missing instead of delivering a record the port cannot carry', () => {
      const headers = { eventId: Buffer.from('e-1') };
      expect(fromRecord({ offset: '1', key: null, value: Buffer.from('v'), headers: { ...base } })).toMatchObject({ ok: false, reason: 'record has no key', key: '' });
      expect(fromRecord({ offset: '1', key: Buffer.from('k'), value: null, headers: { ...base } })).toMatchObject({ ok: false, reason: 'record has no value (tombstone)', value: Buffer.alloc(0) });
      expect(fromRecord({ offset: '1', key: Buffer.from('k'), value: Buffer.from('v'), headers })).toEqual({
        ok: false,
        reason: 'record lacks header(s) eventType, correlationId, causationId, producedAt',
        key: 'k',
        value: Buffer.from('v'),
        headers: { eventId: 'e-1' },
      });
      expect(fromRecord({ offset: '1', key: Buffer.from('k'), value: Buffer.from('v') })).toMatchObject({ ok: false, headers: {} });
    });
  });

  describe('decodeHeaders', () => {
    it('takes the last value of a repeated header and skips undefined ones', () => {
      expect(decodeHeaders({ trace: [Buffer.from('first'), 'second', Buffer.from('last')], gone: undefined, one: Buffer.from('1') })).toEqual({ trace: 'last', one: '1' });
    });

    it('keeps a header named __proto__ as an own header, not as the prototype', () => {
      const raw: Record<string, Buffer> = {};
      Object.defineProperty(raw, '__proto__', { value: Buffer.from('header'), enumerable: true });
      const headers = decodeHeaders(raw);
      expect(Object.entries(headers)).toEqual([['__proto__', 'header']]);
      expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    });
  });
});
