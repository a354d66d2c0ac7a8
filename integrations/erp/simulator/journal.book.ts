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
 * An entry as the book keeps it: what changes or is searched as fields, the rest (memo, currency,
 * lines) as one JSON text, read back when the entry is handed out. The book keeps every entry it
 * ever made, as an ERP does, so an entry's size is the simulator's memory: about 660 bytes of heap
 * this way against 1,760 as a `JournalEntry` with its line objects (a sales entry of three lines).
 */
class StoredEntry {
  constructor(
    readonly id: string,
    readonly externalId: string,
    readonly occurredAt: number,
    readonly createdAt: number,
    /** SHA-256 of the body first sent with the entry's idempotency key. */
    readonly fingerprint: string,
    public status: JournalEntryStatus,
    public reason: string | null,
    public updatedAt: number,
    /** JSON of `[memo, currency, [[account, debitMinor, creditMinor], …]]`. */
    public body: string,
  ) {}
}

/**
 * The simulator's books: journal entries by id, and idempotency keys with the entry they made (and
 * the fingerprint of the body first sent with them). In memory; every read hands out a new object.
 */
export class JournalBook {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly keys = new Map<string, StoredEntry>();

  /** Creates the entry of `key`, or answers the entry it already made (same body) or a conflict (another body). */
  create(key: string, fingerprint: string, request: JournalEntryRequest, now: number): CreateOutcome {
    const known = this.keys.get(key);
    if (known !== undefined) {
      if (known.fingerprint !== fingerprint) return { kind: 'conflict', id: known.id };
      return { kind: 'replayed', entry: expand(known) };
    }
    const entry = new StoredEntry(newEntryId(), request.externalId, request.occurredAt, now, fingerprint, 'PENDING', null, now, bodyOf(request.memo, request.currency, request.lines));
    this.entries.set(entry.id, entry);
    this.keys.set(key, entry);
    return { kind: 'created', entry: expand(entry) };
  }

  get(id: string): JournalEntry | undefined {
    const entry = this.entries.get(id);
    return entry === undefined ? undefined : expand(entry);
  }

  all(): JournalEntry[] {
    return [...this.entries.values()].map(expand);
  }

  /** Entries with `occurredAt` in [since, until), in (occurredAt, id) order, after `after`. */
  list(since: number, until: number, after: ListPosition | null, limit: number): { entries: JournalEntry[]; more: boolean } {
    const matching = [...this.entries.values()]
      .filter((e) => e.occurredAt >= since && e.occurredAt < until && (after === null || compare(e, after) > 0))
      .sort(compare);
    return { entries: matching.slice(0, limit).map(expand), more: matching.length > limit };
  }

  /** PENDING → CONFIRMED or REJECTED; undefined when the entry is unknown or no longer PENDING. */
  decide(id: string, status: 'CONFIRMED' | 'REJECTED', reason: string | null, now: number): JournalEntry | undefined {
    const entry = this.entries.get(id);
    if (entry?.status !== 'PENDING') return undefined;
    entry.status = status;
    entry.reason = status === 'REJECTED' ? reason : null;
    entry.updatedAt = now;
    return expand(entry);
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
    return expand(entry);
  }

  ids(status: JournalEntryStatus): string[] {
    return [...this.entries.values()].filter((e) => e.status === status).map((e) => e.id);
  }

  tamper(id: string, change: { lines?: JournalLine[]; status?: JournalEntryStatus }, now: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new RangeError(`no journal entry ${id}`);
    if (change.lines !== undefined) {
      const { memo, currency } = expand(entry);
      entry.body = bodyOf(memo, currency, change.lines);
    }
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

/**
 * `je_` and a UUID, as one flat string. `randomUUID()` builds its text by joining twenty pieces, and
 * V8 keeps such a string as the tree of its joins (about 480 bytes of heap instead of 56) until
 * something reads it as a whole: kept for the life of the book, an id would cost that much. Copying
 * it through a buffer makes it flat.
 */
function newEntryId(): string {
  return Buffer.from(`je_${randomUUID()}`, 'latin1').toString('latin1');
}

function bodyOf(memo: string, currency: string, lines: readonly JournalLine[]): string {
  return JSON.stringify([memo, currency, lines.map((l) => [l.account, l.debitMinor, l.creditMinor])]);
}

/** The entry as the API shows it: a new object every time. */
function expand(entry: StoredEntry): JournalEntry {
  const body: unknown = JSON.parse(entry.body);
  if (!Array.isArray(body) || typeof body[0] !== 'string' || typeof body[1] !== 'string' || !Array.isArray(body[2])) {
    throw new TypeError(`journal entry ${entry.id}: unreadable body`);
  }
  const lines = (body[2] as unknown[]).map((line): JournalLine => {
    if (!Array.isArray(line) || typeof line[0] !== 'string' || typeof line[1] !== 'number' || typeof line[2] !== 'number') {
      throw new TypeError(`journal entry ${entry.id}: unreadable line`);
    }
    return { account: line[0], debitMinor: line[1], creditMinor: line[2] };
  });
  return {
    externalId: entry.externalId,
    memo: body[0],
    currency: body[1],
    lines,
    occurredAt: entry.occurredAt,
    id: entry.id,
    status: entry.status,
    reason: entry.reason,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}
