/**
 * How an ERP record changes, without I/O. Every function takes the record as it is NOW (locked by the
 * caller), not as it was when a call started: a webhook, a void or another path may have moved it in
 * between, and the functions keep whichever state is further along.
 */
import type { JournalEntry, JournalEntryStatus } from '../../integrations/erp';
import type { ErpAnswer, ErpRecordState, ErpRecordStatus } from './types';

/** What a send or cancel call ended with. */
export type SendOutcome =
  /** The ERP holds the entry (new or replayed) with this status. */
  | { kind: 'CREATED'; erpId: string; erpStatus: JournalEntryStatus; reason: string | null }
  /** The entry is cancelled at the ERP, or there was nothing to cancel. */
  | { kind: 'CANCELLED'; erpId: string | null; note: string | null }
  /** The ERP refuses the entry for good (422, or our own validation): it will never be booked. */
  | { kind: 'REFUSED'; reason: string }
  /** A permanent failure no retry fixes (e.g. an idempotency conflict): a person looks. */
  | { kind: 'FAILED'; error: string }
  /** A transient failure: try again after a backoff. */
  | { kind: 'RETRY'; error: string }
  /** Not called: the circuit was open. */
  | { kind: 'SKIPPED' };

/** What a poll ended with. */
export type PollOutcome =
  | { kind: 'FOUND'; entry: JournalEntry }
  | { kind: 'NOT_FOUND' }
  | { kind: 'RETRY'; error: string }
  | { kind: 'FAILED'; error: string }
  | { kind: 'SKIPPED' };

export interface TransitionContext {
  now: number;
  /** The wait before the next attempt after `attempts` calls failed transiently. */
  backoffMs(attempts: number): number;
  pollAfterMs: number;
  pollEveryMs: number;
}

/** A record's next state and, when the ERP's answer became known by it, the answer to publish. */
export interface Transition {
  record: ErpRecordState;
  answer: ErpAnswer | null;
}

const TO_SEND: ReadonlySet<ErpRecordStatus> = new Set(['PENDING', 'CANCEL_PENDING']);

/** The answer an ERP entry status stands for; null while it is PENDING. A cancelled entry will never be booked: REJECTED. */
export function answerOfEntry(status: JournalEntryStatus, reason: string | null): { outcome: 'CONFIRMED' | 'REJECTED'; reason: string | null } | null {
  if (status === 'CONFIRMED') return { outcome: 'CONFIRMED', reason: null };
  if (status === 'REJECTED') return { outcome: 'REJECTED', reason: reason ?? 'rejected by the ERP' };
  if (status === 'CANCELLED') return { outcome: 'REJECTED', reason: `CANCELLED_IN_ERP${reason === null ? '' : `: ${reason}`}` };
  return null;
}

function answered(record: ErpRecordState, answer: ErpAnswer, now: number): Transition {
  return {
    record: {
      ...record,
      status: answer.outcome,
      erpId: record.erpId ?? answer.erpId,
      reason: answer.reason,
      answeredVia: answer.source,
      answeredAt: now,
      updatedAt: now,
    },
    answer,
  };
}

/** After a send or cancel call. */
export function afterSend(current: ErpRecordState, outcome: SendOutcome, ctx: TransitionContext): Transition {
  const { now } = ctx;
  const toSend = TO_SEND.has(current.status);
  if (outcome.kind === 'SKIPPED') return { record: toSend ? { ...current, nextAttemptAt: now, updatedAt: now } : current, answer: null };
  const record: ErpRecordState = { ...current, attempts: current.attempts + 1, updatedAt: now };
  switch (outcome.kind) {
    case 'RETRY':
      return { record: { ...record, lastError: outcome.error, ...(toSend ? { nextAttemptAt: now + ctx.backoffMs(record.attempts) } : {}) }, answer: null };
    case 'FAILED':
      return { record: { ...record, lastError: outcome.error, ...(toSend ? { status: 'FAILED' as const } : {}) }, answer: null };
    case 'REFUSED':
      if (current.status === 'PENDING') {
        return answered({ ...record, lastError: null }, { outcome: 'REJECTED', reason: outcome.reason, erpId: null, source: 'POLL', at: now }, now);
      }
      // A voided transaction the ERP refuses: nothing is booked, nothing to cancel.
      if (current.status === 'CANCEL_PENDING') return { record: { ...record, status: 'CANCELLED', lastError: outcome.reason }, answer: null };
      return { record, answer: null };
    case 'CANCELLED':
      if (current.status !== 'CANCEL_PENDING') return { record, answer: null };
      return { record: { ...record, status: 'CANCELLED', erpId: record.erpId ?? outcome.erpId, lastError: outcome.note }, answer: null };
    case 'CREATED': {
      const sent: ErpRecordState = { ...record, erpId: record.erpId ?? outcome.erpId, sentAt: record.sentAt ?? now, lastError: null };
      if (current.status === 'PENDING') {
        const verdict = answerOfEntry(outcome.erpStatus, outcome.reason);
        if (verdict === null) return { record: { ...sent, status: 'SENT', nextAttemptAt: now + ctx.pollAfterMs }, answer: null };
        return answered(sent, { ...verdict, erpId: outcome.erpId, source: 'POLL', at: now }, now);
      }
      // Voided while the call was on its way: the entry now exists, so it is to be cancelled.
      if (current.status === 'CANCEL_PENDING' || current.status === 'CANCELLED') {
        return { record: { ...sent, erpId: outcome.erpId, status: 'CANCEL_PENDING', nextAttemptAt: now }, answer: null };
      }
      // Already answered (a webhook beat the call's answer) or sent: keep it, note the id.
      return { record: sent, answer: null };
    }
  }
}

/** After polling a SENT record. */
export function afterPoll(current: ErpRecordState, outcome: PollOutcome, ctx: TransitionContext): Transition {
  const { now } = ctx;
  if (current.status !== 'SENT') return { record: current, answer: null };
  switch (outcome.kind) {
    case 'SKIPPED':
      return { record: { ...current, nextAttemptAt: now, updatedAt: now }, answer: null };
    case 'RETRY':
    case 'FAILED':
      return { record: { ...current, lastError: outcome.error, nextAttemptAt: now + ctx.pollEveryMs, updatedAt: now }, answer: null };
    case 'NOT_FOUND':
      // The ERP lost the entry: send it again (same idempotency key).
      return {
        record: { ...current, status: 'PENDING', erpId: null, nextAttemptAt: now, lastError: `the ERP has no entry ${current.erpId ?? ''}; sending again`, updatedAt: now },
        answer: null,
      };
    case 'FOUND': {
      const verdict = answerOfEntry(outcome.entry.status, outcome.entry.reason);
      if (verdict === null) return { record: { ...current, lastError: null, nextAttemptAt: now + ctx.pollEveryMs, updatedAt: now }, answer: null };
      return answered(current, { ...verdict, erpId: outcome.entry.id, source: 'POLL', at: outcome.entry.updatedAt }, now);
    }
  }
}

/** Why an answer changed nothing. */
export type IgnoredAnswer = 'ALREADY_ANSWERED' | 'CANCELLED' | 'OTHER_ERP_ENTRY';

/** After an answer arrived by webhook or reconciliation. */
export function afterAnswer(current: ErpRecordState, answer: ErpAnswer, now: number): Transition | { ignored: IgnoredAnswer } {
  if (current.status === 'CONFIRMED' || current.status === 'REJECTED') return { ignored: 'ALREADY_ANSWERED' };
  if (current.status === 'CANCEL_PENDING' || current.status === 'CANCELLED') return { ignored: 'CANCELLED' };
  // Another entry for the same transaction (a duplicate at the ERP): not the one this record stands for.
  if (current.erpId !== null && answer.erpId !== null && current.erpId !== answer.erpId) return { ignored: 'OTHER_ERP_ENTRY' };
  return answered(current, answer, now);
}

/** After the ledger voided the transaction; null when nothing changes. */
export function afterVoid(current: ErpRecordState, now: number): ErpRecordState | null {
  switch (current.status) {
    case 'PENDING':
      // Never tried: nothing can be at the ERP.
      if (current.attempts === 0 && current.erpId === null) return { ...current, status: 'CANCELLED', updatedAt: now };
      // Tried: the entry may exist. Respect a lease in progress; its result reschedules the row.
      return { ...current, status: 'CANCEL_PENDING', nextAttemptAt: Math.max(current.nextAttemptAt, now), updatedAt: now };
    case 'SENT':
    case 'CONFIRMED':
      // A poll in flight finds the record no longer SENT and leaves it alone.
      return { ...current, status: 'CANCEL_PENDING', nextAttemptAt: now, updatedAt: now };
    default:
      return null;
  }
}
