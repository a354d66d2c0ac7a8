/**
 * Parsing Canonical Form (PCF) of an Avro schema, as the Avro specification defines it
 * ("Parsing Canonical Form for Schemas"): the form two schemas share exactly when they read and
 * write the same bytes, and the input of the schema fingerprint.
 *
 * The spec's transformations, in the order it lists them:
 * - PRIMITIVES: `{"type":"int"}` becomes `"int"`;
 * - FULLNAMES: names become fullnames (namespaces inherited from the enclosing named schema);
 * - STRIP: only `type`, `name`, `fields`, `symbols`, `items`, `values` and `size` are kept
 *   (`doc`, `aliases`, `default`, `order`, `namespace`, `logicalType` … go);
 * - ORDER: attributes in that order;
 * - STRINGS / INTEGERS / WHITESPACE: minimal JSON, no escapes needed (names are restricted to
 *   `[A-Za-z_][A-Za-z0-9_]*`, which this module checks), integers without leading zeros.
 * A named schema met a second time is written as its fullname only.
 */

import { SchemaDefinitionError } from './schemas.errors';

const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The Parsing Canonical Form of `schema` (a parsed JSON schema: string, array or object).
 * Throws a {@link SchemaDefinitionError} (`INVALID_SCHEMA`) when `schema` is not a schema.
 */
export function parsingCanonicalForm(schema: unknown): string {
  return canonical(schema, '', new Set<string>());
}

function invalid(message: string): SchemaDefinitionError {
  return new SchemaDefinitionError('INVALID_SCHEMA', message);
}

function canonical(schema: unknown, namespace: string, seen: Set<string>): string {
  if (typeof schema === 'string') return reference(schema, namespace);
  if (Array.isArray(schema)) return `[${schema.map((branch) => canonical(branch, namespace, seen)).join(',')}]`;
  if (typeof schema !== 'object' || schema === null) {
    throw invalid(`not a schema: ${JSON.stringify(schema)}`);
  }
  const obj = schema as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string') throw invalid('a schema object needs a string "type"');
  switch (type) {
    case 'record':
      return recordForm(obj, namespace, seen);
    case 'enum':
      return enumForm(obj, namespace, seen);
    case 'fixed':
      return fixedForm(obj, namespace, seen);
    case 'array':
      return `{"type":"array","items":${canonical(obj.items, namespace, seen)}}`;
    case 'map':
      return `{"type":"map","values":${canonical(obj.values, namespace, seen)}}`;
    case 'error':
      throw invalid('"error" types belong to protocols, not to schemas');
    default:
      // A primitive in object form (possibly with a logicalType, which STRIP drops) or a named reference.
      return reference(type, namespace);
  }
}

function reference(name: string, namespace: string): string {
  if (PRIMITIVES.has(name)) return JSON.stringify(name);
  return JSON.stringify(qualify(name, undefined, namespace).fullname);
}

function recordForm(obj: Record<string, unknown>, enclosing: string, seen: Set<string>): string {
  const { fullname, namespace, isNew } = define(obj, enclosing, seen);
  if (!isNew) return JSON.stringify(fullname);
  const fields = obj.fields;
  if (!Array.isArray(fields)) throw invalid(`record ${fullname} needs a "fields" array`);
  const parts = fields.map((field: unknown) => {
    if (typeof field !== 'object' || field === null) throw invalid(`record ${fullname} has a field that is not an object`);
    const { name, type } = field as Record<string, unknown>;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw invalid(`record ${fullname} has an invalid field name ${JSON.stringify(name)}`);
    }
    return `{"name":"${name}","type":${canonical(type, namespace, seen)}}`;
  });
  return `{"name":"${fullname}","type":"record","fields":[${parts.join(',')}]}`;
}

function enumForm(obj: Record<string, unknown>, enclosing: string, seen: Set<string>): string {
  const { fullname, isNew } = define(obj, enclosing, seen);
  if (!isNew) return JSON.stringify(fullname);
  const symbols = obj.symbols;
  if (!Array.isArray(symbols) || !symbols.every((s): s is string => typeof s === 'string' && NAME_PATTERN.test(s))) {
    throw invalid(`enum ${fullname} needs "symbols", an array of valid names`);
  }
  return `{"name":"${fullname}","type":"enum","symbols":[${symbols.map((s) => `"${s}"`).join(',')}]}`;
}

function fixedForm(obj: Record<string, unknown>, enclosing: string, seen: Set<string>): string {
  const { fullname, isNew } = define(obj, enclosing, seen);
  if (!isNew) return JSON.stringify(fullname);
  const size = obj.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`fixed ${fullname} needs a non-negative integer "size"`);
  }
  return `{"name":"${fullname}","type":"fixed","size":${String(size)}}`;
}

/**
 * Registers a named schema: its fullname, the namespace its nested types inherit, and whether this
 * is its first definition (a name met again is written as a bare reference).
 */
function define(
  obj: Record<string, unknown>,
  enclosing: string,
  seen: Set<string>,
): { fullname: string; namespace: string; isNew: boolean } {
  const name = obj.name;
  if (typeof name !== 'string') throw invalid(`a ${String(obj.type)} needs a "name"`);
  const ns = obj.namespace;
  if (ns !== undefined && ns !== null && typeof ns !== 'string') {
    throw invalid(`"namespace" of ${name} must be a string`);
  }
  const qualified = qualify(name, typeof ns === 'string' ? ns : undefined, enclosing);
  const isNew = !seen.has(qualified.fullname);
  seen.add(qualified.fullname);
  return { ...qualified, isNew };
}

/** Fullname per the spec: a dotted name is already full; otherwise the explicit, then the enclosing, namespace. */
function qualify(name: string, explicit: string | undefined, enclosing: string): { fullname: string; namespace: string } {
  const dot = name.lastIndexOf('.');
  const namespace = dot >= 0 ? name.slice(0, dot) : (explicit ?? enclosing);
  const fullname = dot >= 0 ? name : namespace === '' ? name : `${namespace}.${name}`;
  for (const part of fullname.split('.')) {
    if (!NAME_PATTERN.test(part)) throw invalid(`invalid name ${JSON.stringify(name)}`);
  }
  if (PRIMITIVES.has(fullname)) throw invalid(`a named type cannot be called ${fullname}`);
  return { fullname, namespace };
}
