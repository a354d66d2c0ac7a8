import { poll } from './erp-calls';
import { afterPoll } from './erp-record.transitions';
import { mapLimited, runRecordRound, transitionContext, type ErpLoopDeps } from './record-round';
import { createWorkLoop, type WorkLoop } from './work-loop';

/**
 * The poller loop: SENT records without an answer `pollAfterMs` after sending are looked up at the ERP
 * (`getJournalEntry`); a decision publishes ErpConfirmation (source POLL), a PENDING entry is polled
 * again `pollEveryMs` later, an entry the ERP lost is sent again.
 */
export function createErpPoller(deps: ErpLoopDeps): WorkLoop {
  const now = deps.now ?? Date.now;
  const round = { ...deps, now };
  return createWorkLoop({
    name: 'erp-poller',
    logger: deps.logger,
    idleMs: deps.options.idleMs,
    round: () =>
      runRecordRound(round, {
        statuses: ['SENT'],
        batchSize: deps.options.batchSize,
        leaseMs: deps.options.leaseMs,
        callAll: (records) => mapLimited(records, deps.options.maxConcurrent, (record) => poll(deps.erp, deps.breaker, record)),
        transition: (current, outcome, at) => afterPoll(current, outcome, transitionContext(deps, at)),
      }),
  });
}
