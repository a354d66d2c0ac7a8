import type { Type } from 'avsc';
import { EVENT_TYPES } from './events';
import type { SchemaRegistry } from './types';

/**
 * Schema compatibility, decided by avsc's schema resolution (`reader.createResolver(writer)`), which
 * applies the Avro specification's resolution rules and throws when data written with `writer`
 * cannot be read with `reader`: a reader field without default that the writer lacks, a type that
 * cannot be promoted (long → string, long → int), an enum symbol the reader lacks (no default), a
 * writer union branch the reader cannot take, a different record name.
 */

/** A schema version under check. */
export interface LabelledType {
  /** How reports name it, e.g. `OrderSubmitted v2`. */
  readonly label: string;
  readonly type: Type;
}

export interface CompatibilityIssue {
  /** `backward`: the newer reader cannot read data of the older writer; `forward`: the reverse. */
  readonly direction: 'backward' | 'forward';
  readonly reader: string;
  readonly writer: string;
  /** avsc's reason. */
  readonly reason: string;
}

/** Why `reader` cannot read data written with `writer`, or `undefined` when it can. */
export function resolutionProblem(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * FULL_TRANSITIVE: the newest of `versions` (oldest first) must read data of every earlier version
 * (backward) and every earlier version must read data of the newest (forward). Returns every
 * failure; an empty list means compatible.
 */
export function checkFullTransitive(versions: readonly LabelledType[]): CompatibilityIssue[] {
  const newest = versions[versions.length - 1];
  if (newest === undefined) return [];
  const issues: CompatibilityIssue[] = [];
  for (const earlier of versions.slice(0, -1)) {
    const backward = resolutionProblem(newest.type, earlier.type);
    if (backward !== undefined) {
      issues.push({ direction: 'backward', reader: newest.label, writer: earlier.label, reason: backward });
    }
    const forward = resolutionProblem(earlier.type, newest.type);
    if (forward !== undefined) {
      issues.push({ direction: 'forward', reader: earlier.label, writer: newest.label, reason: forward });
    }
  }
  return issues;
}

/** {@link checkFullTransitive} over the kept versions of every event type. */
export function checkRegistryCompatibility(registry: SchemaRegistry): CompatibilityIssue[] {
  return EVENT_TYPES.flatMap((eventType) =>
    checkFullTransitive(
      registry.versionsOf(eventType).map((v) => ({ label: `${eventType} v${v.version}`, type: v.type })),
    ),
  );
}

/** One line per issue, for test failures and the CLI. */
export function formatIssues(issues: readonly CompatibilityIssue[]): string {
  return issues
    .map((i) => `${i.direction}: ${i.reader} cannot read data written with ${i.writer}: ${i.reason}`)
    .join('\n');
}
