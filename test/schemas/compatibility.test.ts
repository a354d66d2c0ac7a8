import {
  avroTypeOf,
  checkFullTransitive,
  checkRegistryCompatibility,
  EVENT_TYPES,
  fingerprintHex,
  formatIssues,
  loadSchemaRegistry,
  resolutionProblem,
} from '../../schemas';
import type { LabelledType } from '../../schemas';
import { keptSchema } from './schema-dirs';
import type { AvroFieldJson, AvroRecordJson } from './schema-dirs';

/**
 * Released schema versions, pinned by fingerprint. A released version is never edited (only its
 * docs may change, which the canonical form ignores): a new shape is a new `v<N+1>.avsc`, added here.
 */
const RELEASED: readonly (readonly [string, number, string])[] = [
  ['OrderSubmitted', 1, 'ab16e5665c905219'],
  ['PaymentCompleted', 1, 'a3a8000da3250885'],
  ['PaymentFailed', 1, 'fd91f532595001a7'],
  ['BalanceActionRequested', 1, '5d64695cb6d71b6e'],
  ['WalletUpdated', 1, 'fd4c0d9a00dfe41e'],
  ['ErpConfirmation', 1, 'fa0eac9d79f3087b'],
  ['OrderCompleted', 1, '789de33ad5f4292e'],
  ['NotificationDelivered', 1, '31fb098e2da7545f'],
];

const registry = loadSchemaRegistry();

function version(label: string, schema: AvroRecordJson): LabelledType {
  return { label, type: avroTypeOf(schema) };
}

function withFields(base: AvroRecordJson, edit: (fields: AvroFieldJson[]) => AvroFieldJson[]): AvroRecordJson {
  return { ...base, fields: edit(base.fields.map((f) => ({ ...f }))) };
}

describe('schema compatibility (FULL_TRANSITIVE)', () => {
  it('the newest version of every event reads and is read by every earlier kept version', () => {
    const issues = checkRegistryCompatibility(registry);
    if (issues.length > 0) throw new Error(formatIssues(issues));
    expect(issues).toEqual([]);
  });

  it('released versions are unchanged and every kept version is pinned', () => {
    const kept = registry.all().map((v) => [v.eventType, v.version, fingerprintHex(v.fingerprint)] as const);
    expect(kept).toEqual(RELEASED);
    expect(new Set(RELEASED.map(([type]) => type))).toEqual(new Set(EVENT_TYPES));
  });

  describe('the check itself', () => {
    const v1 = keptSchema('OrderSubmitted');
    const optionalChannel: AvroFieldJson = { name: 'channel', type: ['null', 'string'], default: null, doc: 'Sales channel.' };

    it('accepts an optional field with a default', () => {
      const v2 = withFields(v1, (fields) => [...fields, optionalChannel]);
      expect(checkFullTransitive([version('v1', v1), version('v2', v2)])).toEqual([]);
    });

    it('reports a field added without default (the new reader cannot read old data)', () => {
      const v2 = withFields(v1, (fields) => [...fields, { name: 'channel', type: 'string', doc: 'Sales channel.' }]);
      const issues = checkFullTransitive([version('v1', v1), version('v2', v2)]);
      expect(issues).toEqual([
        { direction: 'backward', reader: 'v2', writer: 'v1', reason: expect.stringContaining('channel') as unknown },
      ]);
    });

    it('reports a field removed that the old reader requires (old readers cannot read new data)', () => {
      const v2 = withFields(v1, (fields) => fields.filter((f) => f.name !== 'paymentToken'));
      const issues = checkFullTransitive([version('v1', v1), version('v2', v2)]);
      expect(issues.map((i) => [i.direction, i.reader, i.writer])).toEqual([['forward', 'v1', 'v2']]);
      expect(issues[0]?.reason).toContain('paymentToken');
    });

    it('reports a type change long → string in both directions', () => {
      const v2 = withFields(v1, (fields) => fields.map((f) => (f.name === 'totalMinor' ? { ...f, type: 'string' } : f)));
      const issues = checkFullTransitive([version('v1', v1), version('v2', v2)]);
      expect(issues.map((i) => i.direction)).toEqual(['backward', 'forward']);
    });

    it('reports a narrowing long → int but, one way only, the promotion int → long', () => {
      const narrowed = withFields(v1, (fields) => fields.map((f) => (f.name === 'totalMinor' ? { ...f, type: 'int' } : f)));
      expect(resolutionProblem(avroTypeOf(narrowed), avroTypeOf(v1))).toEqual(expect.any(String));
      expect(resolutionProblem(avroTypeOf(v1), avroTypeOf(narrowed))).toBeUndefined();
      expect(checkFullTransitive([version('v1', v1), version('v2', narrowed)]).map((i) => i.direction)).toEqual(['backward']);
    });

    it('reports enum symbols removed (backward) or added (forward): our enums are closed', () => {
      const action = keptSchema('BalanceActionRequested');
      const symbols = (list: string[]): AvroRecordJson =>
        withFields(action, (fields) =>
          fields.map((f) =>
            f.name === 'kind' ? { ...f, type: { type: 'enum', name: 'BalanceActionKind', symbols: list } } : f,
          ),
        );
      const fewer = checkFullTransitive([version('v1', action), version('v2', symbols(['TOP_UP', 'USAGE', 'TRANSFER']))]);
      expect(fewer.map((i) => i.direction)).toEqual(['backward']);
      const more = checkFullTransitive([version('v1', action), version('v2', symbols(['TOP_UP', 'USAGE', 'TRANSFER', 'VOID', 'REFUND']))]);
      expect(more.map((i) => i.direction)).toEqual(['forward']);
    });

    it('reports a renamed record', () => {
      const renamed = { ...v1, name: 'OrderPlaced' };
      expect(checkFullTransitive([version('v1', v1), version('v2', renamed)]).map((i) => i.direction)).toEqual([
        'backward',
        'forward',
      ]);
    });

    it('is transitive: the newest version is checked against every earlier one, not just the previous', () => {
      // v2 adds `note` with a default; v3 drops the default. v3 reads v2 data (which has `note`) but not v1 data.
      const v2 = withFields(v1, (fields) => [...fields, { name: 'note', type: 'string', default: '', doc: 'A note.' }]);
      const v3 = withFields(v1, (fields) => [...fields, { name: 'note', type: 'string', doc: 'A note.' }]);
      expect(checkFullTransitive([version('v2', v2), version('v3', v3)])).toEqual([]);
      const issues = checkFullTransitive([version('v1', v1), version('v2', v2), version('v3', v3)]);
      expect(issues.map((i) => [i.direction, i.reader, i.writer])).toEqual([['backward', 'v3', 'v1']]);
      expect(formatIssues(issues)).toContain('backward: v3 cannot read data written with v1');
    });
  });
});
