import { sendOrCancel } from './erp-calls';
import { afterSend } from './erp-record.transitions';
import { runRecordRound, transitionContext, type ErpLoopDeps } from './record-round';
import { createWorkLoop, type WorkLoop } from './work-loop';

/**
 * The sender loop: sends due PENDING records (`Idempotency-Key` = ledger transaction id) and cancels due
 * CANCEL_PENDING ones. A transient failure reschedules the record with exponential backoff and full
 * jitter; a 422 makes it REJECTED and publishes ErpConfirmation REJECTED (source POLL) so the ledger
 * releases the hold; an entry the ERP already decided (a replay) publishes its answer at once.
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
        maxConcurrent: deps.options.maxConcurrent,
        leaseMs: deps.options.leaseMs,
        call: (record) => sendOrCancel(deps.erp, deps.breaker, record),
        transition: (current, outcome, at) => afterSend(current, outcome, transitionContext(deps, at)),
      }),
  });
}
