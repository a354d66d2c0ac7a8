import { z } from 'zod';

/** Options of {@link createGateway}; the entry point reads them from its configuration. */
export interface GatewayOptions {
  /** gRPC port (0: a free port, as tests use). */
  grpcPort: number;
  /** HTTP side port for /healthz, /readyz (0: a free port). */
  httpPort: number;
  /** Interface to bind both servers to (default `0.0.0.0`). */
  host?: string;
  /** Names this instance: its consumer group on `orders.completed` and `wallet.updates` is `gateway.<instanceId>`. */
  instanceId: string;
  /**
   * Longest SubmitOrder waits for the final status, and TopUp/Use/Transfer/Void for the ledger's
   * decision, before answering PENDING (default 10000 ms).
   */
  submitWaitMs?: number;
  /** Micro-batching of SubmitOrder and balance action writes (each its own batcher): items per batch (200), wait for companions (2 ms), batches at once (4). */
  batchMaxItems?: number;
  batchMaxDelayMs?: number;
  batchMaxConcurrent?: number;
  /** Relay of unpublished orders and balance actions: scan interval (1000 ms), least age of a row to republish (5000 ms), rows per scan (200). */
  relayIntervalMs?: number;
  relayMinAgeMs?: number;
  relayBatchSize?: number;
  /** API key cache: a valid key is trusted this long (30000 ms), an unknown one remembered this long (5000 ms), this many keys (10000). */
  authCacheTtlMs?: number;
  authNegativeCacheTtlMs?: number;
  authCacheMaxEntries?: number;
  /** Recent order completions (and, apart, recent action decisions) remembered for late waiters (10000 each). */
  completionCacheSize?: number;
  /**
   * Orders and balance actions (SubmitOrder, TopUp, Use, Transfer, Void) in flight at most; more are
   * answered RESOURCE_EXHAUSTED at once, writing nothing (default 2000).
   */
  maxInFlight?: number;
  /**
   * Messages the transport may hold in this process, not yet handled downstream, before new orders and
   * balance actions are answered RESOURCE_EXHAUSTED (default 20000). Only a transport that keeps its
   * backlog in memory (the embedded one) reports it: it bounds that memory under overload.
   */
  maxBacklog?: number;
  /** Longest stop() waits for in-flight calls before cutting them off (10000 ms). */
  shutdownTimeoutMs?: number;
  /** Longest one readiness probe may take (1000 ms). */
  readinessTimeoutMs?: number;
}

export type ResolvedGatewayOptions = Required<GatewayOptions>;

const MAX_TIMER_MS = 2_147_483_647;
const port = z.number().int().min(0).max(65_535);
const ms = z.number().int().min(0).max(MAX_TIMER_MS);
const count = (max: number) => z.number().int().min(1).max(max);

const schema = z
  .object({
    grpcPort: port,
    httpPort: port,
    host: z.string().min(1).default('0.0.0.0'),
    instanceId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._-]'),
    submitWaitMs: ms.default(10_000),
    batchMaxItems: count(1_000).default(200),
    batchMaxDelayMs: ms.default(2),
    batchMaxConcurrent: count(64).default(4),
    relayIntervalMs: ms.min(1).default(1_000),
    relayMinAgeMs: ms.default(5_000),
    relayBatchSize: count(1_000).default(200),
    authCacheTtlMs: ms.default(30_000),
    authNegativeCacheTtlMs: ms.default(5_000),
    authCacheMaxEntries: count(1_000_000).default(10_000),
    completionCacheSize: count(10_000_000).default(10_000),
    maxInFlight: count(1_000_000).default(2_000),
    maxBacklog: count(100_000_000).default(20_000),
    shutdownTimeoutMs: ms.default(10_000),
    readinessTimeoutMs: ms.min(1).default(1_000),
  })
  .strict();

/** Fills in defaults and validates; throws a `RangeError` naming the bad option. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue === undefined ? '' : issue.path.join('.');
    throw new RangeError(`gateway option ${name}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
