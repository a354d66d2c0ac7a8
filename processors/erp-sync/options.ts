import { z } from 'zod';
import { ErpSyncError } from './erp-sync.errors';

/** Tuning of the sender and poller loops (env names the lead maps in brackets). */
export interface ErpSyncOptions {
  /** [ERP_SYNC_BATCH_SIZE] rows one sender or poller round claims (default 100: one batch create, the most one takes). */
  batchSize?: number;
  /** [ERP_MAX_CONCURRENT] ERP requests in flight at once per round: batch creates (up to 100 entries each), cancels, polls (default 8). */
  maxConcurrent?: number;
  /**
   * [ERP_SYNC_LEASE_MS] how long a claimed row is left alone by other erp-sync processes while this one
   * calls the ERP (default 60,000; keep it above the ERP client's timeout). A process that dies mid-call
   * leaves the row to be picked again after it; the idempotency key makes that safe.
   */
  leaseMs?: number;
  /** [ERP_RETRY_BASE_MS] / [ERP_RETRY_MAX_MS] backoff after a transient failure: full jitter over base·2^(n−1), capped (defaults 1,000 / 300,000). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** [ERP_BREAKER_THRESHOLD] consecutive transient failures that open the circuit (default 5). */
  breakerThreshold?: number;
  /** [ERP_BREAKER_COOLDOWN_MS] how long the circuit stays open before one probe (default 30,000). */
  breakerCooldownMs?: number;
  /** [ERP_POLL_AFTER_MS] a SENT record without an answer this long is polled (default 30,000). */
  pollAfterMs?: number;
  /** [ERP_POLL_EVERY_MS] then polled again this often while the ERP says PENDING (default 60,000). */
  pollEveryMs?: number;
  /** [ERP_SYNC_IDLE_MS] how long an idle loop sleeps before looking again (default 500). */
  idleMs?: number;
}

export type ResolvedErpSyncOptions = Required<ErpSyncOptions>;

export const ERP_SYNC_DEFAULTS: ResolvedErpSyncOptions = {
  batchSize: 100,
  maxConcurrent: 8,
  leaseMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
  pollAfterMs: 30_000,
  pollEveryMs: 60_000,
  idleMs: 500,
};

/** The processor's name: its consumer group, inbox consumer and outbox producer. */
export const ERP_SYNC_NAME = 'erp-sync';

const MAX_TIMER_MS = 2_147_483_647;
const ms = z.number().int().min(0).max(MAX_TIMER_MS);

const schema = z
  .object({
    batchSize: z.number().int().min(1).max(1_000),
    maxConcurrent: z.number().int().min(1).max(256),
    leaseMs: ms.min(1),
    retryBaseMs: ms.min(1),
    retryMaxMs: ms.min(1),
    breakerThreshold: z.number().int().min(1).max(1_000),
    breakerCooldownMs: ms,
    pollAfterMs: ms,
    pollEveryMs: ms.min(1),
    idleMs: ms.min(1),
  })
  .strict();

/** Fills in defaults and validates; throws `ERP_SYNC_INVALID_OPTIONS` naming the bad option. */
export function resolveErpSyncOptions(options: ErpSyncOptions = {}): ResolvedErpSyncOptions {
  const merged: Record<string, unknown> = { ...ERP_SYNC_DEFAULTS };
  for (const [name, value] of Object.entries(options)) if (value !== undefined) merged[name] = value;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ErpSyncError('ERP_SYNC_INVALID_OPTIONS', `erp-sync option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.retryMaxMs < parsed.data.retryBaseMs) throw new ErpSyncError('ERP_SYNC_INVALID_OPTIONS', 'erp-sync option retryMaxMs: must be >= retryBaseMs');
  return parsed.data;
}
