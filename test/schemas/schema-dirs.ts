import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultAvroDir } from '../../schemas';

/** A private copy of `schemas/avro/` in a fresh temporary folder, for tests that add or break versions. */
export interface ScratchAvroDir {
  readonly dir: string;
  /** Writes `<eventType>/<file>` (creating the folder) with `schema` as JSON. */
  write(eventType: string, file: string, schema: unknown): void;
  remove(relative: string): void;
  cleanup(): void;
}

export function scratchAvroDir(): ScratchAvroDir {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'paystream-avro-')), 'avro');
  cpSync(defaultAvroDir(), dir, { recursive: true });
  return {
    dir,
    write(eventType, file, schema) {
      mkdirSync(path.join(dir, eventType), { recursive: true });
      writeFileSync(path.join(dir, eventType, file), JSON.stringify(schema, null, 2));
    },
    remove(relative) {
      rmSync(path.join(dir, relative), { recursive: true, force: true });
    },
    cleanup() {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    },
  };
}

/** A deep copy of the kept schema `<eventType>/v<version>.avsc`, as parsed JSON, for tests to edit. */
export function keptSchema(eventType: string, version = 1): AvroRecordJson {
  const parsed: unknown = JSON.parse(readFileSync(path.join(defaultAvroDir(), eventType, `v${version}.avsc`), 'utf8'));
  if (!isRecordJson(parsed)) throw new Error(`${eventType} v${version} is not a record schema`);
  return parsed;
}

function isRecordJson(value: unknown): value is AvroRecordJson {
  if (typeof value !== 'object' || value === null) return false;
  const { type, name, fields } = value as Record<string, unknown>;
  return (
    type === 'record' &&
    typeof name === 'string' &&
    Array.isArray(fields) &&
    fields.every((f: unknown) => typeof f === 'object' && f !== null && typeof (f as Record<string, unknown>).name === 'string')
  );
}

/** Just enough of a record schema's JSON for tests to edit fields. */
export interface AvroRecordJson {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroFieldJson[];
}

export interface AvroFieldJson {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}
