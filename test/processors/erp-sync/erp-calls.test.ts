import { ErpError, type BatchCreateItem, type ErpClient } from '../../../integrations/erp';
import { createCircuitBreaker } from '../../../processors/erp-sync/circuit-breaker';
import { sendAll } from '../../../processors/erp-sync/erp-calls';
import type { ErpRecord } from '../../../processors/erp-sync/types';

/** An ERP (our own port) whose batch create fails as a whole with `error`. */
function erpFailingBatches(error: Error): ErpClient & { batches: BatchCreateItem[][] } {
  const batches: BatchCreateItem[][] = [];
  const unused = (): Promise<never> => Promise.reject(new Error('not used here'));
  return {
    batches,
    createJournalEntries: (items) => {
      batches.push([...items]);
      return Promise.reject(error);
    },
    createJournalEntry: unused,
    getJournalEntry: unused,
    listJournalEntries: unused,
    cancelJournalEntry: unused,
  };
}

function pending(id: string): ErpRecord {
  return {
    ledgerTransactionId: id,
    walletId: 'w-1',
    merchantId: 'm-1',
    currency: 'EUR',
    amountMinor: 100,
    request: { externalId: id, memo: 'sale', currency: 'EUR', lines: [{ account: 'a', debitMinor: 100, creditMinor: 0 }, { account: 'b', debitMinor: 0, creditMinor: 100 }], occurredAt: 1_700_000_000_000 },
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: 0,
    erpId: null,
    reason: null,
    lastError: null,
    answeredVia: null,
    correlationId: id,
    causationId: id,
    createdAt: 0,
    updatedAt: 0,
    sentAt: null,
    answeredAt: null,
  };
}

describe('sendAll', () => {
  it('keeps every record of a batch the ERP refused as a whole (no batch endpoint: 404) to retry, failing none', async () => {
    const erp = erpFailingBatches(new ErpError('ERP_REJECTED_REQUEST', 'ERP refused the create request (HTTP 404: not found)', { status: 404 }));
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const outcomes = await sendAll(erp, breaker, [pending('t-1'), pending('t-2')], 4);
    expect(erp.batches).toHaveLength(1);
    expect(outcomes.map((o) => o.kind)).toEqual(['RETRY', 'RETRY']);
    expect(outcomes[0]).toMatchObject({ error: expect.stringContaining('ERP_REJECTED_REQUEST') as unknown });
    // A definite answer: the ERP is up, the circuit stays closed.
    expect(breaker.state()).toBe('CLOSED');
  });

  it('keeps them to retry on a transient failure too, counted once against the breaker', async () => {
    const erp = erpFailingBatches(new ErpError('ERP_UNAVAILABLE', 'ERP failed (HTTP 503)', { status: 503 }));
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const outcomes = await sendAll(erp, breaker, [pending('t-1'), pending('t-2'), pending('t-3')], 4);
    expect(outcomes.map((o) => o.kind)).toEqual(['RETRY', 'RETRY', 'RETRY']);
    expect(breaker.state()).toBe('OPEN');
  });
});
