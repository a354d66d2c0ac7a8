import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from 'avsc';
import type { Schema } from 'avsc';
import { EVENT_TYPES } from './events';
import type { EventType } from './events';
import { fingerprintHex, schemaFingerprint } from './fingerprint';
import { SchemaDefinitionError } from './schemas.errors';
import type { SchemaRegistry, SchemaVersion } from './types';

/** Namespace of every event record (and of the records and enums nested in them). */
export const EVENT_NAMESPACE = 'paystream.v1';

const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

/**
 * Where the kept `.avsc` files are: `schemas/avro/` beside this file when run from the sources,
 * or the source tree's `schemas/avro/` when run from `dist/schemas/` (tsc does not copy them).
 */
export function defaultAvroDir(): string {
  const candidates = [path.join(__dirname, 'avro'), path.resolve(__dirname, '..', '..', 'schemas', 'avro')];
  return candidates.find((dir) => existsSync(dir)) ?? (candidates[0] as string);
}

/**
 * Builds the avsc type of a schema the way the codec needs it: unions unwrapped (so a nullable
 * field decodes to `null` or its value; an ambiguous union is rejected here), plain records, and
 * no logical-type conversion (timestamps stay epoch-millisecond numbers; unsafe longs are rejected).
 */
export function avroTypeOf(schema: unknown): Type {
  // avsc validates the schema itself; its typings cannot describe an arbitrary parsed JSON value.
  return Type.forSchema(schema as Schema, { wrapUnions: 'never', omitRecordMethods: true, registry: {} });
}

/**
 * Loads every kept schema version from `dir` (`<EventType>/v<N>.avsc`), checking that each event
 * type of `EVENT_TYPES` has versions 1..N and nothing else is there. Throws a
 * {@link SchemaDefinitionError} otherwise. Reads files synchronously: call it once at start-up.
 */
export function loadSchemaRegistry(dir: string = defaultAvroDir()): SchemaRegistry {
  const known = new Set<string>(EVENT_TYPES);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !known.has(entry.name)) {
      throw new SchemaDefinitionError('UNKNOWN_EVENT_TYPE', `${path.join(dir, entry.name)} is not an event type of events.ts`);
    }
  }
  const byType = new Map<EventType, readonly SchemaVersion[]>();
  const byFingerprint = new Map<bigint, SchemaVersion>();
  for (const eventType of EVENT_TYPES) {
    const versions = loadVersions(dir, eventType);
    for (const version of versions) {
      const clash = byFingerprint.get(version.fingerprint);
      if (clash !== undefined && clash.eventType !== version.eventType) {
        throw new SchemaDefinitionError(
          'FINGERPRINT_CLASH',
          `${version.file} and ${clash.file} share fingerprint ${fingerprintHex(version.fingerprint)}`,
        );
      }
      byFingerprint.set(version.fingerprint, version);
    }
    byType.set(eventType, versions);
  }
  return registryOf(byType);
}

function registryOf(byType: ReadonlyMap<EventType, readonly SchemaVersion[]>): SchemaRegistry {
  const all = [...byType.values()].flat();
  const versionsOf = (type: EventType): readonly SchemaVersion[] => {
    const versions = byType.get(type);
    if (versions === undefined) throw new SchemaDefinitionError('MISSING_SCHEMA', `no schema for ${String(type)}`);
    return versions;
  };
  return {
    versionsOf,
    newest(type) {
      const versions = versionsOf(type);
      return versions[versions.length - 1] as SchemaVersion;
    },
    all: () => all,
  };
}

function loadVersions(dir: string, eventType: EventType): SchemaVersion[] {
  const typeDir = path.join(dir, eventType);
  const files = existsSync(typeDir) ? readdirSync(typeDir).filter((name) => name.endsWith('.avsc')) : [];
  if (files.length === 0) throw new SchemaDefinitionError('MISSING_SCHEMA', `no ${typeDir}/v1.avsc for ${eventType}`);
  const numbered = files.map((name) => {
    const match = VERSION_FILE.exec(name);
    if (match === null) throw new SchemaDefinitionError('VERSION_GAP', `${path.join(typeDir, name)} is not named v<N>.avsc`);
    return { name, version: Number(match[1]) };
  });
  numbered.sort((a, b) => a.version - b.version);
  return numbered.map(({ name, version }, index) => {
    if (version !== index + 1) {
      throw new SchemaDefinitionError('VERSION_GAP', `${eventType} has v${version} but no v${index + 1}`);
    }
    return loadVersion(path.join(typeDir, name), eventType, version);
  });
}

function loadVersion(file: string, eventType: EventType, version: number): SchemaVersion {
  let schema: unknown;
  let type: Type;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8'));
    type = avroTypeOf(schema);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SchemaDefinitionError('INVALID_SCHEMA', `${file}: ${reason}`, err);
  }
  const expectedName = `${EVENT_NAMESPACE}.${eventType}`;
  if (type.typeName !== 'record' || type.name !== expectedName) {
    throw new SchemaDefinitionError('INVALID_SCHEMA', `${file} must define the record ${expectedName}`);
  }
  const { canonicalForm, fingerprint, bytes } = schemaFingerprint(schema);
  return { eventType, version, file, schema, type, canonicalForm, fingerprint, fingerprintBytes: bytes };
}
