/**
 * The ERP API's JSON (snake_case, ISO-8601 times) and its mapping to the port's types. Shared by the
 * HTTP client, which reads answers with these schemas, and the simulator, which validates requests.
 */
import { z } from 'zod';
import { JOURNAL_ENTRY_STATUSES, type JournalEntry, type JournalEntryRequest, type JournalEntryStatus, type JournalLine } from './types';

/** Longest external id, account name and memo, most lines per entry and most entries per batch the API accepts. */
export const WIRE_LIMITS = { idLength: 128, memoLength: 500, maxLines: 100, maxBatch: 100 } as const;

const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value), { message: 'must be an ISO-8601 time' });
const status = z.enum(JOURNAL_ENTRY_STATUSES as [JournalEntryStatus, ...JournalEntryStatus[]]);

export const wireLine = z.object({
  account: z.string().min(1).max(WIRE_LIMITS.idLength),
  debit_minor: minor,
  credit_minor: minor,
});

/** The body of `POST /journal-entries`. */
export const wireEntryRequest = z.object({
  external_id: z.string().min(1).max(WIRE_LIMITS.idLength),
  memo: z.string().max(WIRE_LIMITS.memoLength),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  lines: z.array(wireLine).min(2).max(WIRE_LIMITS.maxLines),
  occurred_at: isoTime,
});

export type WireEntryRequest = z.infer<typeof wireEntryRequest>;

/** An entry as `GET /journal-entries/{id}` answers it. */
export const wireEntry = wireEntryRequest.extend({
  id: z.string().min(1),
  status,
  reason: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});

export type WireEntry = z.infer<typeof wireEntry>;

/** The answer of `POST /journal-entries`: 202 for a new entry, 200 (the whole entry) for a replay. */
export const wireCreated = z.object({ id: z.string().min(1), status, reason: z.string().nullable().optional() });

export const wirePage = z.object({ entries: z.array(wireEntry), next_cursor: z.string().nullable() });

/** An error body: `{ code, message }`. */
export const wireError = z.object({ code: z.string(), message: z.string() });

/**
 * The body of `POST /journal-entries/batch`: `{ entries: [{ idempotency_key, <the single create's body> }] }`.
 * Only the envelope is checked here: each item is then handled as a single create would be.
 */
export const wireBatchRequest = z.object({ entries: z.array(z.record(z.string(), z.unknown())).min(1).max(WIRE_LIMITS.maxBatch) });

/** One item's answer in a batch: the status a single create would get, with its entry (2xx) or error body. */
export const wireBatchResult = z.object({ status: z.number().int().min(100).max(599), entry: wireCreated.optional(), error: wireError.optional() });

/** The answer of `POST /journal-entries/batch` (200): one result per entry, in request order. */
export const wireBatchAnswer = z.object({ results: z.array(wireBatchResult) });

/** Why a well-formed body is still not a bookable entry; null when it is. */
export function entryProblem(body: WireEntryRequest): { code: string; message: string } | null {
  let debits = 0n;
  let credits = 0n;
  for (const [index, line] of body.lines.entries()) {
    if ((line.debit_minor > 0) === (line.credit_minor > 0)) {
      return { code: 'INVALID_LINE', message: `line ${index}: exactly one of debit_minor and credit_minor must be positive` };
    }
    debits += BigInt(line.debit_minor);
    credits += BigInt(line.credit_minor);
  }
  if (debits !== credits) return { code: 'UNBALANCED', message: `debits ${debits} do not equal credits ${credits}` };
  return null;
}

export function toWireRequest(entry: JournalEntryRequest): WireEntryRequest {
  return {
    external_id: entry.externalId,
    memo: entry.memo,
    currency: entry.currency,
    lines: entry.lines.map(toWireLine),
    occurred_at: new Date(entry.occurredAt).toISOString(),
  };
}

export function toWireEntry(entry: JournalEntry): WireEntry {
  return {
    ...toWireRequest(entry),
    id: entry.id,
    status: entry.status,
    reason: entry.reason,
    created_at: new Date(entry.createdAt).toISOString(),
    updated_at: new Date(entry.updatedAt).toISOString(),
  };
}

export function fromWireRequest(wire: WireEntryRequest): JournalEntryRequest {
  return {
    externalId: wire.external_id,
    memo: wire.memo,
    currency: wire.currency,
    lines: wire.lines.map((line) => ({ account: line.account, debitMinor: line.debit_minor, creditMinor: line.credit_minor })),
    occurredAt: Date.parse(wire.occurred_at),
  };
}

export function fromWireEntry(wire: WireEntry): JournalEntry {
  return {
    ...fromWireRequest(wire),
    id: wire.id,
    status: wire.status,
    reason: wire.reason,
    createdAt: Date.parse(wire.created_at),
    updatedAt: Date.parse(wire.updated_at),
  };
}

function toWireLine(line: JournalLine): WireEntryRequest['lines'][number] {
  return { account: line.account, debit_minor: line.debitMinor, credit_minor: line.creditMinor };
}

/** Total of the debit lines: the amount an entry moves. */
export function debitTotal(lines: readonly JournalLine[]): number {
  const total = lines.reduce((sum, line) => sum + BigInt(line.debitMinor), 0n);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`debit total ${total} is beyond the safe integer range`);
  return Number(total);
}
