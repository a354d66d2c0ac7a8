/**
 * erp-sync: every ledger transaction becomes an ERP journal entry (outbound: the wallet.updates consumer
 * plus the sender loop), the ERP's answers become ErpConfirmation events (inbound: the signed webhook
 * route and the poller), and reconciliation compares both books.
 */
export { startErpSyncRole } from './erp-sync.role';
export type { ErpSyncRoleDeps, RunningErpSync } from './erp-sync.role';
export { createErpSyncProcessor } from './erp-sync.processor';
export type { ErpSyncProcessorDeps } from './erp-sync.processor';
export { createErpSender } from './erp-sender';
export { createErpPoller } from './erp-poller';
export type { ErpLoopDeps } from './record-round';
export { createErpWebhookRoute, ERP_WEBHOOK_DEFAULTS } from './erp-webhook.route';
export type { ErpWebhookRouteOptions } from './erp-webhook.route';
export { reconcile } from './reconcile';
export type { ReconcileKind, ReconcileOptions, ReconcileReport, ReconcileRow, RepairAction } from './reconcile';
export { formatReconcileTable } from './reconcile.table';
export { createCircuitBreaker } from './circuit-breaker';
export type { CircuitBreaker, CircuitBreakerOptions, CircuitState } from './circuit-breaker';
export { fullJitterBackoffMs } from './retry-backoff';
export type { RoundResult, WorkLoop } from './work-loop';
export { erpConfirmationId } from './erp-confirmation';
export { afterAnswer, afterPoll, afterSend, afterVoid, answerOfEntry } from './erp-record.transitions';
export type { PollOutcome, SendOutcome, Transition, TransitionContext } from './erp-record.transitions';
export { journalEntryOf, transactionKindOf } from './journal-payload';
export type { JournalSource } from './journal-payload';
export { ERP_SYNC_DEFAULTS, ERP_SYNC_NAME, resolveErpSyncOptions } from './options';
export type { ErpSyncOptions, ResolvedErpSyncOptions } from './options';
export { ErpSyncError, isErpSyncError } from './erp-sync.errors';
export type { ErpSyncErrorCode } from './erp-sync.errors';
export { ERP_RECORD_STATUSES } from './types';
export type { ErpAnswer, ErpRecord, ErpRecordState, ErpRecordStatus } from './types';
