import path from 'node:path';
import { EVENT_NAMESPACE, EVENT_TYPES, loadSchemaRegistry, SchemaDefinitionError } from '../../schemas';
import type { SchemaDefinitionErrorCode } from '../../schemas';
import { keptSchema, scratchAvroDir } from './schema-dirs';
import type { ScratchAvroDir } from './schema-dirs';

function expectLoadError(dir: string, code: SchemaDefinitionErrorCode): void {
  let caught: unknown;
  try {
    loadSchemaRegistry(dir);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SchemaDefinitionError);
  expect(caught).toMatchObject({ code, retryable: false });
}

describe('schema registry', () => {
  let scratch: ScratchAvroDir;
  beforeEach(() => {
    scratch = scratchAvroDir();
  });
  afterEach(() => scratch.cleanup());

  it('loads every event type from schemas/avro, oldest version first', () => {
    const registry = loadSchemaRegistry();
    for (const type of EVENT_TYPES) {
      const versions = registry.versionsOf(type);
      expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
      expect(registry.newest(type)).toBe(versions[versions.length - 1]);
      expect(versions.every((v) => v.type.name === `${EVENT_NAMESPACE}.${type}`)).toBe(true);
      expect(path.basename(registry.newest(type).file)).toBe(`v${versions.length}.avsc`);
    }
    expect(registry.all()).toHaveLength(EVENT_TYPES.reduce((n, t) => n + registry.versionsOf(t).length, 0));
  });

  it('keeps older versions beside the newest', () => {
    const v2 = keptSchema('PaymentFailed');
    v2.fields.push({ name: 'pspReference', type: ['null', 'string'], default: null, doc: 'The PSP reference, when any.' });
    scratch.write('PaymentFailed', 'v2.avsc', v2);
    const registry = loadSchemaRegistry(scratch.dir);
    expect(registry.versionsOf('PaymentFailed').map((v) => v.version)).toEqual([1, 2]);
    expect(registry.newest('PaymentFailed').canonicalForm).toContain('pspReference');
  });

  it('MISSING_SCHEMA when an event type has no version', () => {
    scratch.remove('ErpConfirmation');
    expectLoadError(scratch.dir, 'MISSING_SCHEMA');
  });

  it('VERSION_GAP when versions skip a number or a file is misnamed', () => {
    scratch.write('OrderCompleted', 'v3.avsc', keptSchema('OrderCompleted'));
    expectLoadError(scratch.dir, 'VERSION_GAP');
    scratch.remove('OrderCompleted/v3.avsc');
    scratch.write('OrderCompleted', 'latest.avsc', keptSchema('OrderCompleted'));
    expectLoadError(scratch.dir, 'VERSION_GAP');
  });

  it('UNKNOWN_EVENT_TYPE for a schema folder that events.ts does not declare', () => {
    scratch.write('OrderCancelled', 'v1.avsc', { ...keptSchema('OrderCompleted'), name: 'OrderCancelled' });
    expectLoadError(scratch.dir, 'UNKNOWN_EVENT_TYPE');
  });

  it('INVALID_SCHEMA for invalid JSON, an invalid Avro schema or the wrong record name', () => {
    const wrongName = { ...keptSchema('PaymentFailed'), name: 'PaymentDeclined' };
    scratch.write('PaymentFailed', 'v2.avsc', wrongName);
    expectLoadError(scratch.dir, 'INVALID_SCHEMA');

    scratch.write('PaymentFailed', 'v2.avsc', { type: 'record', name: 'PaymentFailed', namespace: EVENT_NAMESPACE, fields: [{ name: 'x', type: 'decimal' }] });
    expectLoadError(scratch.dir, 'INVALID_SCHEMA');

    scratch.write('PaymentFailed', 'v2.avsc', { type: 'record', name: 'PaymentFailed', namespace: EVENT_NAMESPACE, fields: [{ name: 'x', type: ['string', 'string'] }] });
    expectLoadError(scratch.dir, 'INVALID_SCHEMA');
  });
});
