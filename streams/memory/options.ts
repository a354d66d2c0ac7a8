import { InvalidArgumentError } from './memory.errors';

export interface MemoryTransportOptions {
  /** Partitions per topic, `<topic>.dlq` included (default 8). */
  partitions?: number;
  /**
   * How long the partitions an aborted subscription was handling stay blocked before another member of
   * its group takes them over and redelivers the unacknowledged messages (default 30000 ms).
   */
  visibilityTimeoutMs?: number;
  /**
   * Most messages kept per partition (default 100000). Messages every group has acknowledged are dropped
   * at once; beyond this cap the oldest are dropped even if a group has not handled them (it skips them,
   * with a warning), so a topic nobody reads cannot grow without bound.
   */
  maxRetainedPerPartition?: number;
  /**
   * How long an idle partition worker waits after the first new message before it reads a batch, so
   * that messages arriving together are handled in one batch (default 0: read at once).
   */
  lingerMs?: number;
}

export type ResolvedMemoryTransportOptions = Required<MemoryTransportOptions>;

export const DEFAULT_MEMORY_TRANSPORT_OPTIONS: ResolvedMemoryTransportOptions = {
  partitions: 8,
  visibilityTimeoutMs: 30_000,
  maxRetainedPerPartition: 100_000,
  lingerMs: 0,
};

/** Largest delay `setTimeout` honours; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Fills in defaults and validates; throws an {@link InvalidArgumentError} (a `RangeError`) naming the bad option. */
export function resolveMemoryTransportOptions(options: MemoryTransportOptions = {}): ResolvedMemoryTransportOptions {
  const resolved: ResolvedMemoryTransportOptions = {
    partitions: options.partitions ?? DEFAULT_MEMORY_TRANSPORT_OPTIONS.partitions,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? DEFAULT_MEMORY_TRANSPORT_OPTIONS.visibilityTimeoutMs,
    maxRetainedPerPartition: options.maxRetainedPerPartition ?? DEFAULT_MEMORY_TRANSPORT_OPTIONS.maxRetainedPerPartition,
    lingerMs: options.lingerMs ?? DEFAULT_MEMORY_TRANSPORT_OPTIONS.lingerMs,
  };
  requireInteger('partitions', resolved.partitions, 1, 10_000);
  requireInteger('visibilityTimeoutMs', resolved.visibilityTimeoutMs, 0, MAX_TIMER_MS);
  requireInteger('lingerMs', resolved.lingerMs, 0, 10_000);
  requireInteger('maxRetainedPerPartition', resolved.maxRetainedPerPartition, 1, Number.MAX_SAFE_INTEGER);
  return resolved;
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new InvalidArgumentError(`memory transport: ${name} must be an integer ${range}, got ${String(value)}`);
  }
}
