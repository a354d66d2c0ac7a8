/**
 * The ERP calls of the sender and the poller, each behind the circuit breaker, with the error turned
 * into an outcome. Only transient failures count against the breaker: an ERP that answers "no" is up.
 */
import { isErpError, type BatchCreateOutcome, type ErpClient } from '../../integrations/erp';
import type { CircuitBreaker } from './circuit-breaker';
import type { PollOutcome, SendOutcome } from './erp-record.transitions';
import { mapLimited } from './record-round';
import type { ErpRecord } from './types';

/**
 * The sender's calls for a round: the PENDING records in ONE batch create (one breaker permit; the
 * exchange counts once: a thrown error as a failure when transient, any answer as a success), the
 * CANCEL_PENDING ones one call each with at most `maxConcurrent` in flight. Outcomes in record order.
 */
export async function sendAll(erp: ErpClient, breaker: CircuitBreaker, records: readonly ErpRecord[], maxConcurrent: number): Promise<SendOutcome[]> {
  const outcomes = new Array<SendOutcome>(records.length);
  const creates = records.flatMap((record, index) => (record.status === 'CANCEL_PENDING' ? [] : [{ record, index }]));
  const cancels = records.flatMap((record, index) => (record.status === 'CANCEL_PENDING' ? [{ record, index }] : []));
  const creating = createAll(erp, breaker, creates.map((c) => c.record)).then((created) => {
    for (const [i, outcome] of created.entries()) {
      const c = creates[i];
      if (c !== undefined) outcomes[c.index] = outcome;
    }
  });
  const cancelling = mapLimited(cancels, maxConcurrent, async (c) => {
    outcomes[c.index] = await cancelOne(erp, breaker, c.record);
  });
  await Promise.all([creating, cancelling]);
  return outcomes;
}

/** Creates the entries of PENDING records in one batch call; each item's outcome as a single create's would be. */
async function createAll(erp: ErpClient, breaker: CircuitBreaker, records: readonly ErpRecord[]): Promise<SendOutcome[]> {
  if (records.length === 0) return [];
  if (!breaker.tryAcquire()) return records.map(() => ({ kind: 'SKIPPED' }));
  let results: BatchCreateOutcome[];
  try {
    results = await erp.createJournalEntries(records.map((record) => ({ entry: record.request, idempotencyKey: record.ledgerTransactionId })));
  } catch (err) {
    report(breaker, err);
    // The exchange failed as a whole (even with a definite refusal, e.g. an ERP without the batch
    // endpoint): that says nothing about any one entry, so every record backs off and stays PENDING.
    const outcome: SendOutcome = { kind: 'RETRY', error: describe(err) };
    return records.map(() => outcome);
  }
  // Every item refused by our own checks: no request was sent, which says nothing about the ERP's health.
  if (results.every((result) => !result.ok && result.error.code === 'ERP_INVALID_REQUEST')) breaker.release();
  else breaker.onSuccess();
  return records.map((_, index): SendOutcome => {
    const result = results[index];
    if (result === undefined) return { kind: 'RETRY', error: 'the ERP client gave no outcome for this entry' };
    if (!result.ok) return outcomeOfError(result.error, false, null);
    return { kind: 'CREATED', erpId: result.value.id, erpStatus: result.value.status, reason: result.value.reason };
  });
}

/** Cancels a CANCEL_PENDING record's entry (learning its ERP id first, idempotently, if need be). */
async function cancelOne(erp: ErpClient, breaker: CircuitBreaker, record: ErpRecord): Promise<SendOutcome> {
  if (!breaker.tryAcquire()) return { kind: 'SKIPPED' };
  try {
    const outcome = await cancel(erp, record);
    breaker.onSuccess();
    return outcome;
  } catch (err) {
    report(breaker, err);
    return outcomeOfError(err, true, record.erpId);
  }
}

/** Tells the breaker what a failed call says about the ERP's health. */
function report(breaker: CircuitBreaker, err: unknown): void {
  if (!isErpError(err) || err.retryable) breaker.onFailure();
  // Refused by our own checks, before any call: says nothing about the ERP's health.
  else if (err.code === 'ERP_INVALID_REQUEST') breaker.release();
  else breaker.onSuccess();
}

/** The outcome a failed send (or cancel, with the record's ERP id) ends with. */
function outcomeOfError(err: unknown, cancelling: boolean, erpId: string | null): SendOutcome {
  if (!isErpError(err) || err.retryable) return { kind: 'RETRY', error: describe(err) };
  switch (err.code) {
    case 'ERP_VALIDATION_FAILED':
    case 'ERP_INVALID_REQUEST':
      return { kind: 'REFUSED', reason: `${err.erpCode ?? err.code}: ${err.message}` };
    case 'ERP_NOT_CANCELLABLE':
    case 'ERP_NOT_FOUND':
      if (cancelling) return { kind: 'CANCELLED', erpId, note: `nothing to cancel: ${err.message}` };
      return { kind: 'FAILED', error: describe(err) };
    default:
      return { kind: 'FAILED', error: describe(err) };
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
