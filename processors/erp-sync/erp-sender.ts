import { sendAll } from './erp-calls';
import { afterSend } from './erp-record.transitions';
import { runRecordRound, transitionContext, type ErpLoopDeps } from './record-round';
import { createWorkLoop, type WorkLoop } from './work-loop';

/**
 * The sender loop: sends due PENDING records (`Idempotency-Key` = ledger transaction id), a round's
 * worth in one batch create, and cancels due CANCEL_PENDING ones, one call each (at most
 * `maxConcurrent` at a time). Each record's outcome takes the same transition: a transient failure
 * reschedules the record with exponential backoff and full jitter; a 422 makes it REJECTED and
 * publishes ErpConfirmation REJECTED (source POLL) so the ledger releases the hold; an entry the ERP
 * already decided (a replay) publishes its answer at once.
 */
export function createErpSender(deps: ErpLoopDeps): WorkLoop {
  const now = deps.now ?? Date.now;
  const round = { ...deps, now };
  return createWorkLoop({
    name: 'erp-sender',
    logger: deps.logger,
    idleMs: deps.options.idleMs,
    round: () =>
      runRecordRound(round, {
        statuses: ['PENDING', 'CANCEL_PENDING'],
        batchSize: deps.options.batchSize,
        leaseMs: deps.options.leaseMs,
        callAll: (records) => sendAll(deps.erp, deps.breaker, records, deps.options.maxConcurrent),
        transition: (current, outcome, at) => afterSend(current, outcome, transitionContext(deps, at)),
      }),
  });
}
