import type { Logger } from 'pino';
import type { ErpClient } from '../../integrations/erp';
import type { EventCodec } from '../../schemas';
import { withTransaction, type Pool } from '../../storage/mysql';
import { appendOutbox } from '../../storage/outbox';
import type { OutboxPublisher } from '../runtime';
import type { CircuitBreaker } from './circuit-breaker';
import { erpConfirmationMessage } from './erp-confirmation';
import type { Transition, TransitionContext } from './erp-record.transitions';
import { claimDue, lockRecords, saveRecords } from './erp-records.store';
import { classifyStorageError } from './erp-sync.errors';
import { ERP_SYNC_NAME, type ResolvedErpSyncOptions } from './options';
import { fullJitterBackoffMs } from './retry-backoff';
import type { ErpRecord, ErpRecordState, ErpRecordStatus } from './types';
import type { RoundResult } from './work-loop';

export interface RoundDeps {
  pool: Pool;
  codec: EventCodec;
  /** The outbox publisher of producer `erp-sync`. */
  outbox: OutboxPublisher;
  logger: Logger;
  breaker: CircuitBreaker;
  now: () => number;
}

/** What the sender and poller loops need. */
export interface ErpLoopDeps extends Omit<RoundDeps, 'now'> {
  erp: ErpClient;
  options: ResolvedErpSyncOptions;
  now?: () => number;
  /** Uniform random numbers in [0, 1) for the backoff jitter (default `Math.random`). */
  random?: () => number;
}

/** The transition context of a loop at time `now`: its backoff (full jitter) and poll timing. */
export function transitionContext(deps: ErpLoopDeps, now: number): TransitionContext {
  const { retryBaseMs, retryMaxMs, pollAfterMs, pollEveryMs } = deps.options;
  return { now, pollAfterMs, pollEveryMs, backoffMs: (attempts) => fullJitterBackoffMs(attempts, retryBaseMs, retryMaxMs, deps.random) };
}

export interface RoundSpec<O> {
  /** Records in these statuses whose `next_attempt_at` is due. */
  statuses: readonly ErpRecordStatus[];
  batchSize: number;
  leaseMs: number;
  /** Calls the ERP for the claimed records (one call each, or batched); one outcome per record, in order. */
  callAll(records: readonly ErpRecord[]): Promise<O[]>;
  transition(current: ErpRecordState, outcome: O, now: number): Transition;
}

/**
 * One round of work on due records: claim (lease) them, call the ERP for them (`spec.callAll`: the
 * sender batches its creates, the poller calls per record), then in ONE transaction lock them again,
 * apply each outcome to the record as it is now, and append the ErpConfirmations of the answers
 * learned to the outbox; publish after commit. While the circuit is open nothing is claimed; half-open, one record is (the probe).
 */
export async function runRecordRound<O>(deps: RoundDeps, spec: RoundSpec<O>): Promise<RoundResult> {
  if (!deps.breaker.canAttempt()) return { more: false, waitMs: deps.breaker.msUntilAttempt() };
  const limit = deps.breaker.state() === 'CLOSED' ? spec.batchSize : 1;
  const claimed = await claimDue(deps.pool, { statuses: spec.statuses, now: deps.now(), limit, leaseMs: spec.leaseMs });
  if (claimed.length === 0) return { more: false };
  const outcomes = await spec.callAll(claimed);
  const byId = new Map(claimed.map((record, index) => [record.ledgerTransactionId, outcomes[index]]));
  let messages: ReturnType<typeof erpConfirmationMessage>[];
  try {
    messages = await withTransaction(deps.pool, async (connection, writes) => {
      const at = deps.now();
      const current = await lockRecords(connection, [...byId.keys()]);
      const changed: ErpRecordState[] = [];
      const out: ReturnType<typeof erpConfirmationMessage>[] = [];
      for (const [id, outcome] of byId) {
        const record = current.get(id);
        if (record === undefined || outcome === undefined) continue;
        const next = spec.transition(record, outcome, at);
        if (next.record !== record) changed.push(next.record);
        if (next.answer !== null) out.push(erpConfirmationMessage(deps.codec, next.record, next.answer, at));
      }
      await saveRecords(writes, changed);
      await appendOutbox(writes, ERP_SYNC_NAME, out);
      return out;
    });
  } catch (err) {
    // The calls were made; the leased rows are tried again when the lease ends (idempotently).
    throw classifyStorageError(err);
  }
  if (messages.length > 0) {
    try {
      await deps.outbox.publish(messages);
    } catch (err) {
      deps.logger.warn({ err, outputs: messages.length }, 'publishing ERP confirmations failed; the outbox relay will publish them');
    }
  }
  return { more: claimed.length === limit && deps.breaker.state() === 'CLOSED' };
}

/** Runs `work` over `items` with at most `limit` in flight; results in item order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      const item = items[index];
      if (item !== undefined) results[index] = await work(item);
    }
  });
  await Promise.all(workers);
  return results;
}
