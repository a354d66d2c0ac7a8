import { randomUUID } from 'node:crypto';
import { debitTotal } from '../journal-entry.wire';
import type { JournalEntry, JournalEntryRequest, JournalEntryStatus, JournalLine } from '../types';
import type { RejectionRule } from './options';

export type CreateOutcome = { kind: 'created' | 'replayed'; entry: JournalEntry } | { kind: 'conflict'; id: string };

/** A position in the list order (occurredAt, id): the last entry of a page. */
export interface ListPosition {
  occurredAt: number;
  id: string;
}

/**
 * The simulator's books: journal entries by id, and idempotency keys with the fingerprint of the body
 * first sent with them. In memory; every read hands out copies.
 */
export class JournalBook {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly keys = new Map<string, { fingerprint: string; id: string }>();

  /** Creates the entry of `key`, or answers the entry it already made (same body) or a conflict (another body). */
  create(key: string, fingerprint: string, request: JournalEntryRequest, now: number): CreateOutcome {
    const known = this.keys.get(key);
    if (known !== undefined) {
      const entry = this.entries.get(known.id);
      if (known.fingerprint !== fingerprint) return { kind: 'conflict', id: known.id };
      if (entry !== undefined) return { kind: 'replayed', entry: copy(entry) };
    }
    const entry: JournalEntry = { ...request, lines: request.lines.map((l) => ({ ...l })), id: `je_${randomUUID()}`, status: 'PENDING', reason: null, createdAt: now, updatedAt: now };
    this.entries.set(entry.id, entry);
    this.keys.set(key, { fingerprint, id: entry.id });
    return { kind: 'created', entry: copy(entry) };
  }

  get(id: string): JournalEntry | undefined {
    const entry = this.entries.get(id);
    return entry === undefined ? undefined : copy(entry);
  }

  all(): JournalEntry[] {
    return [...this.entries.values()].map(copy);
  }

  /** Entries with `occurredAt` in [since, until), in (occurredAt, id) order, after `after`. */
  list(since: number, until: number, after: ListPosition | null, limit: number): { entries: JournalEntry[]; more: boolean } {
    const matching = [...this.entries.values()]
      .filter((e) => e.occurredAt >= since && e.occurredAt < until && (after === null || compare(e, after) > 0))
      .sort(compare);
    return { entries: matching.slice(0, limit).map(copy), more: matching.length > limit };
  }

  /** PENDING → CONFIRMED or REJECTED; undefined when the entry is unknown or no longer PENDING. */
  decide(id: string, status: 'CONFIRMED' | 'REJECTED', reason: string | null, now: number): JournalEntry | undefined {
    const entry = this.entries.get(id);
    if (entry?.status !== 'PENDING') return undefined;
    entry.status = status;
    entry.reason = status === 'REJECTED' ? reason : null;
    entry.updatedAt = now;
    return copy(entry);
  }

  /** Cancels (reverses) a PENDING or CONFIRMED entry; a cancelled one is answered as it is. */
  cancel(id: string, now: number): JournalEntry | 'NOT_FOUND' | 'NOT_CANCELLABLE' {
    const entry = this.entries.get(id);
    if (entry === undefined) return 'NOT_FOUND';
    if (entry.status === 'REJECTED') return 'NOT_CANCELLABLE';
    if (entry.status !== 'CANCELLED') {
      entry.status = 'CANCELLED';
      entry.updatedAt = now;
    }
    return copy(entry);
  }

  ids(status: JournalEntryStatus): string[] {
    return [...this.entries.values()].filter((e) => e.status === status).map((e) => e.id);
  }

  tamper(id: string, change: { lines?: JournalLine[]; status?: JournalEntryStatus }, now: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new RangeError(`no journal entry ${id}`);
    if (change.lines !== undefined) entry.lines = change.lines.map((l) => ({ ...l }));
    if (change.status !== undefined) entry.status = change.status;
    entry.updatedAt = now;
  }

  forget(id: string): void {
    this.entries.delete(id);
    for (const [key, known] of this.keys) if (known.id === id) this.keys.delete(key);
  }
}

/** The reason of the first rule `entry` matches, or null. */
export function rejectionFor(entry: JournalEntryRequest, rules: readonly RejectionRule[]): string | null {
  for (const rule of rules) {
    const conditions: string[] = [];
    if (rule.memoContains !== undefined) {
      if (!entry.memo.includes(rule.memoContains)) continue;
      conditions.push(`memo contains "${rule.memoContains}"`);
    }
    if (rule.amountAbove !== undefined) {
      if (debitTotal(entry.lines) <= rule.amountAbove) continue;
      conditions.push(`amount above ${rule.amountAbove}`);
    }
    if (rule.account !== undefined) {
      const account = rule.account;
      if (!entry.lines.some((line) => line.account === account)) continue;
      conditions.push(`account ${account}`);
    }
    return rule.reason ?? `REJECTED_BY_RULE: ${conditions.join(' and ')}`;
  }
  return null;
}

function compare(a: ListPosition, b: ListPosition): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt - b.occurredAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function copy(entry: JournalEntry): JournalEntry {
  return { ...entry, lines: entry.lines.map((l) => ({ ...l })) };
}
