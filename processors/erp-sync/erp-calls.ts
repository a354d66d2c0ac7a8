/**
 * The ERP calls of the sender and the poller, each behind the circuit breaker, with the error turned
 * into an outcome. Only transient failures count against the breaker: an ERP that answers "no" is up.
 */
import { isErpError, type ErpClient } from '../../integrations/erp';
import type { CircuitBreaker } from './circuit-breaker';
import type { PollOutcome, SendOutcome } from './erp-record.transitions';
import type { ErpRecord } from './types';

/** Sends a PENDING record, or cancels a CANCEL_PENDING one (learning its ERP id first, idempotently, if need be). */
export async function sendOrCancel(erp: ErpClient, breaker: CircuitBreaker, record: ErpRecord): Promise<SendOutcome> {
  if (!breaker.tryAcquire()) return { kind: 'SKIPPED' };
  const cancelling = record.status === 'CANCEL_PENDING';
  try {
    const outcome: SendOutcome = cancelling ? await cancel(erp, record) : await create(erp, record);
    breaker.onSuccess();
    return outcome;
  } catch (err) {
    if (!isErpError(err) || err.retryable) {
      breaker.onFailure();
      return { kind: 'RETRY', error: describe(err) };
    }
    // Refused by our own checks, before any call: says nothing about the ERP's health.
    if (err.code === 'ERP_INVALID_REQUEST') breaker.release();
    else breaker.onSuccess();
    switch (err.code) {
      case 'ERP_VALIDATION_FAILED':
      case 'ERP_INVALID_REQUEST':
        return { kind: 'REFUSED', reason: `${err.erpCode ?? err.code}: ${err.message}` };
      case 'ERP_NOT_CANCELLABLE':
      case 'ERP_NOT_FOUND':
        if (cancelling) return { kind: 'CANCELLED', erpId: record.erpId, note: `nothing to cancel: ${err.message}` };
        return { kind: 'FAILED', error: describe(err) };
      default:
        return { kind: 'FAILED', error: describe(err) };
    }
  }
}

/** Asks the ERP where a SENT record's entry stands. */
export async function poll(erp: ErpClient, breaker: CircuitBreaker, record: ErpRecord): Promise<PollOutcome> {
  if (record.erpId === null) return { kind: 'NOT_FOUND' };
  if (!breaker.tryAcquire()) return { kind: 'SKIPPED' };
  try {
    const entry = await erp.getJournalEntry(record.erpId);
    breaker.onSuccess();
    return { kind: 'FOUND', entry };
  } catch (err) {
    if (!isErpError(err) || err.retryable) {
      breaker.onFailure();
      return { kind: 'RETRY', error: describe(err) };
    }
    breaker.onSuccess();
    return err.code === 'ERP_NOT_FOUND' ? { kind: 'NOT_FOUND' } : { kind: 'FAILED', error: describe(err) };
  }
}

async function create(erp: ErpClient, record: ErpRecord): Promise<SendOutcome> {
  const created = await erp.createJournalEntry(record.request, record.ledgerTransactionId);
  return { kind: 'CREATED', erpId: created.id, erpStatus: created.status, reason: created.reason };
}

async function cancel(erp: ErpClient, record: ErpRecord): Promise<SendOutcome> {
  let erpId = record.erpId;
  if (erpId === null) {
    // A send may have reached the ERP before the void: the same key answers that entry, if there is one.
    const created = await erp.createJournalEntry(record.request, record.ledgerTransactionId);
    erpId = created.id;
    if (created.status === 'REJECTED' || created.status === 'CANCELLED') return { kind: 'CANCELLED', erpId, note: `nothing to cancel: the ERP entry is ${created.status}` };
  }
  await erp.cancelJournalEntry(erpId);
  return { kind: 'CANCELLED', erpId, note: null };
}

function describe(err: unknown): string {
  if (isErpError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
