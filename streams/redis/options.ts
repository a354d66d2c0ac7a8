import { RedisInvalidArgumentError } from './redis.errors';

export interface RedisTransportOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS. */
  url: string;
  /** First part of every key this transport writes (default `paystream`). */
  prefix?: string;
  /** Streams per topic; every process sharing a topic must agree (default 8). */
  partitions?: number;
  /** Approximate length each partition stream is trimmed to on publish (`XADD MAXLEN ~`, default 1,000,000). */
  maxLen?: number;
  /**
   * How long a silent member keeps its partitions and its unacknowledged messages (default 30,000 ms):
   * the partition lease time-to-live, the membership timeout and the XAUTOCLAIM minimum idle time.
   */
  visibilityTimeoutMs?: number;
  /** How often members announce themselves and renew their leases (default a third of the visibility timeout, at most 2,000 ms). */
  heartbeatMs?: number;
  /** Longest a blocking read waits for new messages before it looks again (default 2,000 ms). */
  blockMs?: number;
  /**
   * Receives every error met by background work (reconnects, heartbeats, reads, acknowledgements); the work
   * backs off and retries. Default: `process.emitWarning`.
   */
  onError?: (err: Error) => void;
}

export interface ResolvedRedisOptions {
  url: string;
  prefix: string;
  partitions: number;
  maxLen: number;
  visibilityTimeoutMs: number;
  heartbeatMs: number;
  blockMs: number;
  onError: (err: Error) => void;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

export function resolveRedisOptions(options: RedisTransportOptions): ResolvedRedisOptions {
  const url = checkUrl(options.url);
  const prefix = options.prefix ?? 'paystream';
  if (!NAME_PATTERN.test(prefix)) invalid(`prefix must match ${String(NAME_PATTERN)}, got ${JSON.stringify(prefix)}`);
  const partitions = integer('partitions', options.partitions ?? 8, 1, 4096);
  const maxLen = integer('maxLen', options.maxLen ?? 1_000_000, 1, Number.MAX_SAFE_INTEGER);
  const visibilityTimeoutMs = integer('visibilityTimeoutMs', options.visibilityTimeoutMs ?? 30_000, 100, 3_600_000);
  const heartbeatMs = integer('heartbeatMs', options.heartbeatMs ?? Math.min(2_000, Math.floor(visibilityTimeoutMs / 3)), 10, 600_000);
  // A member must get at least two heartbeats in before its lease can lapse.
  if (heartbeatMs * 2 > visibilityTimeoutMs) {
    invalid(`heartbeatMs (${heartbeatMs}) must be at most half of visibilityTimeoutMs (${visibilityTimeoutMs})`);
  }
  const blockMs = integer('blockMs', options.blockMs ?? 2_000, 1, 600_000);
  if (options.onError !== undefined && typeof options.onError !== 'function') invalid('onError must be a function');
  const sink = options.onError ?? ((err: Error): void => process.emitWarning(err));
  const onError = (err: Error): void => {
    try {
      sink(err);
    } catch (sinkError) {
      // The callback itself failed: background loops must not die of it, and the error must not vanish.
      process.emitWarning(err);
      process.emitWarning(sinkError instanceof Error ? sinkError : String(sinkError));
    }
  };
  return { url, prefix, partitions, maxLen, visibilityTimeoutMs, heartbeatMs, blockMs, onError };
}

function checkUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) invalid('url is required (redis://host:port)');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // The text may hold a password: name the problem, not the value.
    return invalid('url is not a valid URL (expected redis://host:port or rediss://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    invalid(`url must use the redis: or rediss: scheme, got ${JSON.stringify(parsed.protocol)}`);
  }
  if (parsed.hostname.length === 0) invalid('url must name a host (redis://host:port)');
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function invalid(message: string): never {
  throw new RedisInvalidArgumentError(`invalid Redis transport options: ${message}`);
}
