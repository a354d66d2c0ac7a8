import { afterAnswer, afterPoll, afterSend, afterVoid, type TransitionContext } from '../../../processors/erp-sync';
import { erpRecord as record, RECORD_TIME as T } from './erp-record.fixture';

const ctx: TransitionContext = { now: T, backoffMs: (attempts) => attempts * 1_000, pollAfterMs: 30_000, pollEveryMs: 60_000 };

describe('ERP record transitions', () => {
  it('a sent entry becomes SENT and is polled pollAfterMs later', () => {
    const { record: next, answer } = afterSend(record(), { kind: 'CREATED', erpId: 'je_1', erpStatus: 'PENDING', reason: null }, ctx);
    expect(answer).toBeNull();
    expect(next).toMatchObject({ status: 'SENT', erpId: 'je_1', attempts: 1, sentAt: T, nextAttemptAt: T + 30_000, lastError: null });
  });

  it('a replay of an entry the ERP already decided answers at once (source POLL)', () => {
    const confirmed = afterSend(record(), { kind: 'CREATED', erpId: 'je_1', erpStatus: 'CONFIRMED', reason: null }, ctx);
    expect(confirmed.record).toMatchObject({ status: 'CONFIRMED', answeredVia: 'POLL', answeredAt: T });
    expect(confirmed.answer).toEqual({ outcome: 'CONFIRMED', reason: null, erpId: 'je_1', source: 'POLL', at: T });
    const cancelled = afterSend(record(), { kind: 'CREATED', erpId: 'je_1', erpStatus: 'CANCELLED', reason: null }, ctx);
    expect(cancelled.answer).toMatchObject({ outcome: 'REJECTED', reason: 'CANCELLED_IN_ERP' });
  });

  it('a transient failure reschedules with the backoff of the attempt count; a skipped call is due again at once and not counted', () => {
    expect(afterSend(record({ attempts: 2 }), { kind: 'RETRY', error: 'ERP_UNAVAILABLE' }, ctx).record).toMatchObject({ status: 'PENDING', attempts: 3, nextAttemptAt: T + 3_000, lastError: 'ERP_UNAVAILABLE' });
    expect(afterSend(record({ attempts: 2, nextAttemptAt: T + 60_000 }), { kind: 'SKIPPED' }, ctx).record).toMatchObject({ attempts: 2, nextAttemptAt: T });
  });

  it('a refusal (422) rejects the record and answers REJECTED so the ledger releases the hold', () => {
    const { record: next, answer } = afterSend(record(), { kind: 'REFUSED', reason: 'UNBALANCED: no' }, ctx);
    expect(next).toMatchObject({ status: 'REJECTED', reason: 'UNBALANCED: no', answeredVia: 'POLL' });
    expect(answer).toEqual({ outcome: 'REJECTED', reason: 'UNBALANCED: no', erpId: null, source: 'POLL', at: T });
    expect(afterSend(record(), { kind: 'FAILED', error: 'ERP_IDEMPOTENCY_CONFLICT' }, ctx)).toMatchObject({ record: { status: 'FAILED', lastError: 'ERP_IDEMPOTENCY_CONFLICT' }, answer: null });
  });

  it('keeps what happened while the call was on its way: a webhook answer, or a void', () => {
    const answered = record({ status: 'CONFIRMED', erpId: null, answeredVia: 'WEBHOOK' });
    expect(afterSend(answered, { kind: 'CREATED', erpId: 'je_1', erpStatus: 'PENDING', reason: null }, ctx)).toMatchObject({ record: { status: 'CONFIRMED', erpId: 'je_1', answeredVia: 'WEBHOOK' }, answer: null });
    // Voided while sending: the entry exists now, so it is to be cancelled.
    for (const status of ['CANCELLED', 'CANCEL_PENDING'] as const) {
      expect(afterSend(record({ status }), { kind: 'CREATED', erpId: 'je_1', erpStatus: 'PENDING', reason: null }, ctx).record).toMatchObject({ status: 'CANCEL_PENDING', erpId: 'je_1', nextAttemptAt: T });
    }
    expect(afterSend(record({ status: 'CANCEL_PENDING', erpId: 'je_1' }), { kind: 'CANCELLED', erpId: 'je_1', note: null }, ctx).record.status).toBe('CANCELLED');
    expect(afterSend(record({ status: 'CANCEL_PENDING' }), { kind: 'REFUSED', reason: 'x' }, ctx).record.status).toBe('CANCELLED');
  });

  it('a void cancels a never-tried record outright and asks the ERP to cancel one that may be there', () => {
    expect(afterVoid(record(), T)?.status).toBe('CANCELLED');
    expect(afterVoid(record({ attempts: 1, nextAttemptAt: T + 5_000 }), T)).toMatchObject({ status: 'CANCEL_PENDING', nextAttemptAt: T + 5_000 });
    expect(afterVoid(record({ status: 'SENT', erpId: 'je_1', nextAttemptAt: T + 30_000 }), T)).toMatchObject({ status: 'CANCEL_PENDING', nextAttemptAt: T });
    expect(afterVoid(record({ status: 'CONFIRMED', erpId: 'je_1' }), T)?.status).toBe('CANCEL_PENDING');
    for (const status of ['REJECTED', 'CANCELLED', 'CANCEL_PENDING', 'FAILED'] as const) expect(afterVoid(record({ status }), T)).toBeNull();
  });

  it('a poll answers a decided entry, polls a PENDING one later, and sends again an entry the ERP lost', () => {
    const sent = record({ status: 'SENT', erpId: 'je_1', sentAt: T - 40_000 });
    const entry = { id: 'je_1', externalId: 'tx-1', memo: 'm', currency: 'EUR', lines: [], occurredAt: T, reason: null, createdAt: T - 40_000, updatedAt: T - 5 };
    expect(afterPoll(sent, { kind: 'FOUND', entry: { ...entry, status: 'PENDING' } }, ctx)).toMatchObject({ record: { status: 'SENT', nextAttemptAt: T + 60_000 }, answer: null });
    expect(afterPoll(sent, { kind: 'FOUND', entry: { ...entry, status: 'REJECTED', reason: 'NO' } }, ctx)).toMatchObject({
      record: { status: 'REJECTED', reason: 'NO', answeredVia: 'POLL' },
      answer: { outcome: 'REJECTED', reason: 'NO', erpId: 'je_1', source: 'POLL', at: T - 5 },
    });
    expect(afterPoll(sent, { kind: 'NOT_FOUND' }, ctx).record).toMatchObject({ status: 'PENDING', erpId: null, nextAttemptAt: T });
    expect(afterPoll(sent, { kind: 'RETRY', error: 'down' }, ctx).record).toMatchObject({ status: 'SENT', nextAttemptAt: T + 60_000, lastError: 'down' });
    expect(afterPoll(record({ status: 'CONFIRMED' }), { kind: 'NOT_FOUND' }, ctx).record.status).toBe('CONFIRMED');
  });

  it('takes an answer once; a duplicate, a cancelled record or another entry of the transaction is ignored', () => {
    const answer = { outcome: 'CONFIRMED' as const, reason: null, erpId: 'je_1', source: 'WEBHOOK' as const, at: T - 1 };
    const taken = afterAnswer(record({ status: 'SENT', erpId: 'je_1' }), answer, T);
    expect(taken).toMatchObject({ record: { status: 'CONFIRMED', answeredVia: 'WEBHOOK', answeredAt: T }, answer });
    // A webhook may beat the sender's own write: a PENDING record takes it too.
    expect(afterAnswer(record(), answer, T)).toMatchObject({ record: { status: 'CONFIRMED', erpId: 'je_1' } });
    expect(afterAnswer(record({ status: 'CONFIRMED', erpId: 'je_1' }), answer, T)).toEqual({ ignored: 'ALREADY_ANSWERED' });
    expect(afterAnswer(record({ status: 'CANCEL_PENDING', erpId: 'je_1' }), answer, T)).toEqual({ ignored: 'CANCELLED' });
    expect(afterAnswer(record({ status: 'SENT', erpId: 'je_2' }), answer, T)).toEqual({ ignored: 'OTHER_ERP_ENTRY' });
  });
});
