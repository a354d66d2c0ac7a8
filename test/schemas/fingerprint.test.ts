import { Type } from 'avsc';
import {
  CRC64_AVRO_EMPTY,
  crc64Avro,
  EVENT_TYPES,
  fingerprintHex,
  loadSchemaRegistry,
  parsingCanonicalForm,
  schemaFingerprint,
  SchemaDefinitionError,
} from '../../schemas';

/**
 * Inputs, Parsing Canonical Forms and 64-bit fingerprints from Apache Avro's shared test data,
 * `share/test/data/schema-tests.txt` (apache/avro, commit 0ea74a36cebb2e5fbc37e599814a05c33cb7d424),
 * cases 000–033. That file is what every Avro implementation tests its PCF and CRC-64-AVRO against;
 * its fingerprints are Java `SchemaNormalization.parsingFingerprint64` values (signed longs),
 * cross-checked there by the Java implementation's direct Rabin algorithm. `null` where a case
 * lists no fingerprint (it shares its canonical form, hence its fingerprint, with the case before).
 */
const AVRO_SCHEMA_TESTS: readonly (readonly [string, string, string, bigint | null])[] = [
  ['000', '"null"', '"null"', 7195948357588979594n],
  ['001', '{"type":"null"}', '"null"', null],
  ['002', '"boolean"', '"boolean"', -6970731678124411036n],
  ['003', '{"type":"boolean"}', '"boolean"', null],
  ['004', '"int"', '"int"', 8247732601305521295n],
  ['005', '{"type":"int"}', '"int"', null],
  ['006', '"long"', '"long"', -3434872931120570953n],
  ['007', '{"type":"long"}', '"long"', null],
  ['008', '"float"', '"float"', 5583340709985441680n],
  ['009', '{"type":"float"}', '"float"', null],
  ['010', '"double"', '"double"', -8181574048448539266n],
  ['011', '{"type":"double"}', '"double"', null],
  ['012', '"bytes"', '"bytes"', 5746618253357095269n],
  ['013', '{"type":"bytes"}', '"bytes"', null],
  ['014', '"string"', '"string"', -8142146995180207161n],
  ['015', '{"type":"string"}', '"string"', null],
  ['016', '[  ]', '[]', -1241056759729112623n],
  ['017', '[ "int"  ]', '["int"]', -5232228896498058493n],
  ['018', '[ "int" , {"type":"boolean"} ]', '["int","boolean"]', 5392556393470105090n],
  ['019', '{"fields":[], "type":"record", "name":"foo"}', '{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
  [
    '020',
    '{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}',
    '{"name":"x.y.foo","type":"record","fields":[]}',
    5916914534497305771n,
  ],
  [
    '021',
    '{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}',
    '{"name":"a.b.foo","type":"record","fields":[]}',
    -4616218487480524110n,
  ],
  [
    '022',
    '{"fields":[], "type":"record", "name":"foo", "doc":"Useful info"}',
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    '023',
    '{"fields":[], "type":"record", "name":"foo", "aliases":["foo","bar"]}',
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    '024',
    '{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}',
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    '025',
    '{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}',
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
    7843277075252814651n,
  ],
  [
    '026',
    `{ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":"true"},
            {"order":"descending","name":"f2","doc":"Hello","type":"int"}],
  "type":"record", "name":"foo"
}`,
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    -4860222112080293046n,
  ],
  ['027', '{"type":"enum", "name":"foo", "symbols":["A1"]}', '{"name":"foo","type":"enum","symbols":["A1"]}', -6342190197741309591n],
  [
    '028',
    '{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}',
    '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    -4448647247586288245n,
  ],
  ['029', '{"name":"foo","type":"fixed","size":15}', '{"name":"foo","type":"fixed","size":15}', 1756455273707447556n],
  [
    '030',
    '{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}',
    '{"name":"x.y.z.foo","type":"fixed","size":32}',
    -3064184465700546786n,
  ],
  ['031', '{ "items":{"type":"null"}, "type":"array"}', '{"type":"array","items":"null"}', -589620603366471059n],
  ['032', '{ "values":"string", "type":"map"}', '{"type":"map","values":"string"}', -8732877298790414990n],
  [
    '033',
    `{"name":"PigValue","type":"record",
   "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}`,
    '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    -1759257747318642341n,
  ],
];

describe('Parsing Canonical Form', () => {
  it.each(AVRO_SCHEMA_TESTS)('schema-tests.txt case %s', (_case, input, canonical) => {
    expect(parsingCanonicalForm(JSON.parse(input))).toBe(canonical);
  });

  it('qualifies nested names with the enclosing namespace, keeps explicit ones, and writes a repeated name as a reference', () => {
    const schema = {
      type: 'record',
      name: 'Outer',
      namespace: 'a.b',
      doc: 'stripped',
      fields: [
        { name: 'first', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: { type: 'long', logicalType: 'timestamp-millis' } }] } },
        { name: 'second', type: 'Inner', default: null },
        { name: 'third', type: { type: 'enum', name: 'E', namespace: 'c', symbols: ['A'], default: 'A' } },
        { name: 'fourth', type: ['null', 'c.E', { type: 'map', values: 'Inner' }] },
        { name: 'fifth', type: { type: 'fixed', name: 'd.F', size: 16, aliases: ['G'] }, order: 'ignore' },
      ],
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"a.b.Outer","type":"record","fields":[' +
        '{"name":"first","type":{"name":"a.b.Inner","type":"record","fields":[{"name":"x","type":"long"}]}},' +
        '{"name":"second","type":"a.b.Inner"},' +
        '{"name":"third","type":{"name":"c.E","type":"enum","symbols":["A"]}},' +
        '{"name":"fourth","type":["null","c.E",{"type":"map","values":"a.b.Inner"}]},' +
        '{"name":"fifth","type":{"name":"d.F","type":"fixed","size":16}}]}',
    );
  });

  it('rejects values that are not schemas, with a typed error', () => {
    for (const bad of [42, null, { type: 7 }, { type: 'record', name: 'R' }, { type: 'enum', name: 'E', symbols: ['a-b'] }, { type: 'record', name: 'int', fields: [] }]) {
      let caught: unknown;
      try {
        parsingCanonicalForm(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SchemaDefinitionError);
      expect(caught).toMatchObject({ code: 'INVALID_SCHEMA', retryable: false });
    }
  });

  it('agrees with the canonical schema avsc derives for every kept event schema', () => {
    // A second opinion: avsc 5's `Type#schema()` (no options) emits canonical form too.
    for (const version of loadSchemaRegistry().all()) {
      expect(version.canonicalForm).toBe(JSON.stringify(Type.forSchema(version.type.schema()).schema()));
      expect(version.canonicalForm).toBe(JSON.stringify(version.type.schema()));
    }
  });
});

describe('CRC-64-AVRO', () => {
  it('is the EMPTY constant for no bytes (Avro spec, "Schema Fingerprints")', () => {
    expect(crc64Avro(new Uint8Array(0))).toBe(CRC64_AVRO_EMPTY);
  });

  it.each(AVRO_SCHEMA_TESTS.filter((row) => row[3] !== null))(
    'schema-tests.txt case %s: fingerprint of the canonical form',
    (_case, input, _canonical, expected) => {
      const { fingerprint } = schemaFingerprint(JSON.parse(input));
      // The file lists Java's signed 64-bit view; ours is unsigned.
      expect(BigInt.asIntN(64, fingerprint)).toBe(expected);
    },
  );

  it('is written little-endian, as Java SchemaNormalization.fingerprint("CRC-64-AVRO", …) returns it', () => {
    // "int": 8247732601305521295 = 0x7275d51a3f395c8f (schema-tests.txt case 004).
    const { bytes, fingerprint } = schemaFingerprint('int');
    expect(fingerprintHex(fingerprint)).toBe('7275d51a3f395c8f');
    expect(bytes.toString('hex')).toBe('8f5c393f1ad57572');
  });

  it('matches an independent JavaScript implementation on a record with docs', () => {
    // Expected bytes from the README of the npm package avro-crc64 (github.com/spikepanx/avro-crc64),
    // a separate implementation: the 8 fingerprint bytes, little-endian, as hex.
    const schema = {
      type: 'record',
      name: 'Example',
      doc: 'Simple example avro schema',
      fields: [{ name: 'foobar', type: 'string', doc: 'foobar is all about barbazz' }],
    };
    expect(schemaFingerprint(schema).bytes.toString('hex')).toBe('b75d6f7da238cf70');
  });

  it('gives every kept event schema version its own fingerprint', () => {
    const all = loadSchemaRegistry().all();
    expect(new Set(all.map((v) => v.fingerprint)).size).toBe(all.length);
    expect(new Set(all.map((v) => v.eventType))).toEqual(new Set(EVENT_TYPES));
  });
});
