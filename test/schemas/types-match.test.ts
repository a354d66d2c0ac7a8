import { EVENT_NAMESPACE, EVENT_SHAPES, EVENT_TYPES, eventShape, loadSchemaRegistry } from '../../schemas';
import type { AnyFieldShape, AnyRecordShape } from '../../schemas';
import { keptSchema } from './schema-dirs';

/**
 * `schemas/event-shapes.ts` is typed against `schemas/events.ts` (tsc fails when they diverge);
 * this test holds it against the newest `.avsc` of each event, so the TypeScript declarations and
 * the Avro contract cannot drift apart.
 */

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every difference between a shape and the JSON schema of a record, as readable lines. */
function differences(shape: AnyRecordShape, schema: unknown): string[] {
  const problems: string[] = [];
  const named = new Map<string, unknown>();
  compareRecord(shape, schema, shape.record, problems, named);
  return problems;
}

function compareRecord(shape: AnyRecordShape, schema: unknown, path: string, problems: string[], named: Map<string, unknown>): void {
  if (!isObject(schema) || schema.type !== 'record') {
    problems.push(`${path}: expected a record, schema has ${JSON.stringify(schema)}`);
    return;
  }
  checkName(schema, shape.record, path, problems, named);
  if (typeof schema.doc !== 'string' || schema.doc.trim() === '') problems.push(`${path}: record has no doc`);
  const fields = Array.isArray(schema.fields) ? schema.fields.filter(isObject) : [];
  const inSchema = new Map(fields.map((f) => [String(f.name), f]));
  for (const name of Object.keys(shape.fields)) {
    if (!inSchema.has(name)) problems.push(`${path}.${name}: declared in TypeScript, missing from the schema`);
  }
  for (const [name, field] of inSchema) {
    const fieldShape = shape.fields[name];
    if (fieldShape === undefined) {
      problems.push(`${path}.${name}: in the schema, not declared in TypeScript`);
      continue;
    }
    if (typeof field.doc !== 'string' || field.doc.trim() === '') problems.push(`${path}.${name}: field has no doc`);
    const nullable = typeof fieldShape === 'object' && 'nullable' in fieldShape;
    if (nullable && (!('default' in field) || field.default !== null)) {
      problems.push(`${path}.${name}: a nullable field needs "default": null`);
    }
    compareField(fieldShape, field.type, `${path}.${name}`, problems, named);
  }
}

function compareField(shape: AnyFieldShape, schema: unknown, path: string, problems: string[], named: Map<string, unknown>): void {
  const resolved = typeof schema === 'string' && !PRIMITIVES.has(schema) ? named.get(qualified(schema)) : schema;
  if (typeof shape === 'string') {
    compareScalar(shape, resolved, path, problems);
    return;
  }
  if ('nullable' in shape) {
    if (!Array.isArray(resolved) || resolved.length !== 2 || resolved[0] !== 'null') {
      problems.push(`${path}: TypeScript allows null, the schema needs ["null", …], has ${JSON.stringify(resolved)}`);
      return;
    }
    compareField(shape.nullable, resolved[1], path, problems, named);
    return;
  }
  if ('array' in shape) {
    if (!isObject(resolved) || resolved.type !== 'array') {
      problems.push(`${path}: expected an array, schema has ${JSON.stringify(resolved)}`);
      return;
    }
    compareField(shape.array, resolved.items, `${path}[]`, problems, named);
    return;
  }
  if ('enum' in shape) {
    if (!isObject(resolved) || resolved.type !== 'enum') {
      problems.push(`${path}: expected an enum, schema has ${JSON.stringify(resolved)}`);
      return;
    }
    checkName(resolved, shape.enum, path, problems, named);
    const symbols = Array.isArray(resolved.symbols) ? resolved.symbols.map(String) : [];
    const declared = Object.keys(shape.symbols);
    if ([...symbols].sort().join() !== [...declared].sort().join() || new Set(symbols).size !== symbols.length) {
      problems.push(`${path}: symbols ${JSON.stringify(symbols)} differ from the TypeScript union ${JSON.stringify(declared)}`);
    }
    // A default symbol would be decoded for symbols the reader does not know, outside the TS union.
    if ('default' in resolved) problems.push(`${path}: enums stay closed (no default symbol outside the TypeScript union)`);
    if (typeof resolved.doc !== 'string' || resolved.doc.trim() === '') problems.push(`${path}: enum has no doc`);
    return;
  }
  compareRecord(shape, resolved, path, problems, named);
}

function compareScalar(kind: string, schema: unknown, path: string, problems: string[]): void {
  const type = isObject(schema) ? schema.type : schema;
  const logical = isObject(schema) ? schema.logicalType : undefined;
  const ok =
    kind === 'timestamp-millis' ? type === 'long' && logical === 'timestamp-millis' : type === kind && logical === undefined;
  if (!ok) problems.push(`${path}: expected ${kind}, schema has ${JSON.stringify(schema)}`);
}

function checkName(schema: Json, expected: string, path: string, problems: string[], named: Map<string, unknown>): void {
  if (schema.name !== expected) problems.push(`${path}: named ${JSON.stringify(schema.name)}, TypeScript calls it ${expected}`);
  if (schema.namespace !== undefined && schema.namespace !== EVENT_NAMESPACE) {
    problems.push(`${path}: namespace ${JSON.stringify(schema.namespace)}, expected ${EVENT_NAMESPACE}`);
  }
  if (typeof schema.name === 'string') named.set(qualified(schema.name), schema);
}

function qualified(name: string): string {
  return name.includes('.') ? name : `${EVENT_NAMESPACE}.${name}`;
}

describe('TypeScript event types match the newest Avro schemas', () => {
  const registry = loadSchemaRegistry();

  it('describes every event type', () => {
    expect(Object.keys(EVENT_SHAPES).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES)('%s: same fields, nullability, nested records and enum symbols; every field documented', (type) => {
    const newest = registry.newest(type);
    expect(newest.type.name).toBe(`${EVENT_NAMESPACE}.${type}`);
    expect(differences(eventShape(type), newest.schema)).toEqual([]);
  });

  it('reports drift, so the check is able to fail', () => {
    const schema = keptSchema('BalanceActionRequested');
    schema.fields = schema.fields
      .filter((f) => f.name !== 'description')
      .map((f) => {
        if (f.name === 'walletId') return { ...f, type: ['null', 'string'], default: null };
        if (f.name === 'currency') return { name: f.name, type: 'string' };
        if (f.name === 'requestedAt') return { ...f, type: 'long' };
        if (f.name === 'kind') return { ...f, type: { type: 'enum', name: 'BalanceActionKind', doc: 'd', symbols: ['TOP_UP', 'USAGE', 'TRANSFER', 'REFUND'] } };
        return f;
      });
    schema.fields.push({ name: 'extra', type: 'int', doc: 'not in TypeScript' });
    expect(differences(eventShape('BalanceActionRequested'), schema)).toEqual([
      'BalanceActionRequested.description: declared in TypeScript, missing from the schema',
      'BalanceActionRequested.kind: symbols ["TOP_UP","USAGE","TRANSFER","REFUND"] differ from the TypeScript union ["TOP_UP","USAGE","TRANSFER","VOID"]',
      'BalanceActionRequested.walletId: expected string, schema has ["null","string"]',
      'BalanceActionRequested.currency: field has no doc',
      'BalanceActionRequested.currency: a nullable field needs "default": null',
      'BalanceActionRequested.currency: TypeScript allows null, the schema needs ["null", …], has "string"',
      'BalanceActionRequested.requestedAt: expected timestamp-millis, schema has "long"',
      'BalanceActionRequested.extra: in the schema, not declared in TypeScript',
    ]);
  });

  it('reports a nested record that drifted', () => {
    const schema = keptSchema('OrderSubmitted');
    const customer = schema.fields.find((f) => f.name === 'customer');
    if (customer === undefined || !isObject(customer.type) || !Array.isArray(customer.type.fields)) throw new Error('no customer');
    customer.type.fields = customer.type.fields.filter((f) => isObject(f) && f.name !== 'phone');
    expect(differences(eventShape('OrderSubmitted'), schema)).toEqual([
      'OrderSubmitted.customer.phone: declared in TypeScript, missing from the schema',
    ]);
  });
});
