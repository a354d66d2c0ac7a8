import type { z } from 'zod';
import { createConcurrencyLimit } from '../concurrency';
import { createHttpExchange, exchangeFailureCode, isHttpExchangeError } from '../http';
import { ErpError } from './erp.errors';
import {
  entryProblem,
  fromWireEntry,
  toWireRequest,
  WIRE_LIMITS,
  wireBatchAnswer,
  type wireBatchResult,
  wireCreated,
  wireEntry,
  wireEntryRequest,
  wireError,
  wirePage,
  type WireEntryRequest,
} from './journal-entry.wire';
import { HTTP_ERP_DEFAULTS, type HttpErpClientOptions } from './options';
import type { BatchCreateItem, BatchCreateOutcome, CreatedJournalEntry, ErpClient, JournalEntry, JournalEntryPage, JournalEntryRequest, ListJournalEntriesQuery } from './types';

type Operation = 'create' | 'batch create' | 'get' | 'list' | 'cancel';

interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * An ERP reached over HTTP (the API the ERP simulator implements):
 *
 * | call | request | success |
 * |---|---|---|
 * | create | `POST /journal-entries` + `Idempotency-Key`, body `{ external_id, memo, currency, lines, occurred_at }` | 202 `{ id, status }` (new), 200 entry (replay) |
 * | batch create | `POST /journal-entries/batch`, body `{ entries: [{ idempotency_key, external_id, memo, currency, lines, occurred_at }] }` (≤ 100) | 200 `{ results: [{ status, entry?: { id, status, reason }, error?: { code, message } }] }` |
 * | get | `GET /journal-entries/{id}` | 200 entry |
 * | list | `GET /journal-entries?since=ISO&until=ISO&cursor=&limit=` | 200 `{ entries, next_cursor }` |
 * | cancel | `POST /journal-entries/{id}/cancel` | 200 entry |
 *
 * Failures map to {@link ErpError} codes: 503/5xx and connection errors → `ERP_UNAVAILABLE`, 408 and
 * timeouts → `ERP_TIMEOUT`, 429 → `ERP_RATE_LIMITED` (all retryable); 422 → `ERP_VALIDATION_FAILED`,
 * 409 → `ERP_IDEMPOTENCY_CONFLICT` (create) or `ERP_NOT_CANCELLABLE` (cancel), 404 → `ERP_NOT_FOUND`,
 * other 4xx → `ERP_REJECTED_REQUEST` (not retryable); an answer that is not the documented JSON →
 * `ERP_BAD_RESPONSE` (retryable). Every answer body is validated (zod) before use.
 *
 * A batch create sends at most 100 entries per request (more are split into several requests, results
 * kept in input order). Each result's `status` is what a single create of that entry would have got
 * and maps to the same outcome (202 new, 200 replay, 409, 422…); an entry our own checks refuse gets
 * `ERP_INVALID_REQUEST` and is not sent. A request that fails as a whole (connection, timeout, a
 * non-200 status, an answer that is not the documented JSON) fails the whole call with the code a
 * single create would get; a 4xx on the batch itself is `ERP_REJECTED_REQUEST`.
 *
 * Connections are kept alive (one pool per client, see `integrations/http`); at most `maxConcurrent` calls
 * are in flight.
 */
export function createHttpErpClient(options: HttpErpClientOptions): ErpClient {
  const base = entriesEndpoint(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? HTTP_ERP_DEFAULTS.timeoutMs;
  const maxConcurrent = options.maxConcurrent ?? HTTP_ERP_DEFAULTS.maxConcurrent;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidOption(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) throw invalidOption(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  const limit = createConcurrencyLimit(maxConcurrent);
  const http = createHttpExchange({ maxSockets: maxConcurrent });

  async function exchange(method: 'GET' | 'POST', url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    try {
      // One deadline for the whole exchange: connecting, the answer and its body. A 3xx is just a status.
      return await http.send({
        method,
        url,
        headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        timeoutMs,
      });
    } catch (err) {
      if (isHttpExchangeError(err) && err.code === 'HTTP_TIMEOUT') throw new ErpError('ERP_TIMEOUT', `ERP did not answer within ${timeoutMs} ms`, { cause: err });
      throw new ErpError('ERP_UNAVAILABLE', `ERP unreachable (${exchangeFailureCode(err)})`, { cause: err });
    }
  }

  return {
    async createJournalEntry(entry: JournalEntryRequest, idempotencyKey: string): Promise<CreatedJournalEntry> {
      const checked = checkedRequest(entry, idempotencyKey);
      if (!checked.ok) throw checked.error;
      const body = JSON.stringify(checked.wire);
      const answer = await limit.run(() => exchange('POST', base, { body, headers: { 'idempotency-key': idempotencyKey } }));
      if (answer.status !== 200 && answer.status !== 202) throw failure('create', answer);
      return createdOf(parse(wireCreated, answer, 'an entry without { id, status }'), answer.status);
    },

    async createJournalEntries(items: readonly BatchCreateItem[]): Promise<BatchCreateOutcome[]> {
      const outcomes = new Array<BatchCreateOutcome>(items.length);
      const toSend: { index: number; wire: WireEntryRequest & { idempotency_key: string } }[] = [];
      for (const [index, item] of items.entries()) {
        const checked = checkedRequest(item.entry, item.idempotencyKey);
        if (checked.ok) toSend.push({ index, wire: { idempotency_key: item.idempotencyKey, ...checked.wire } });
        else outcomes[index] = { ok: false, error: checked.error };
      }
      const chunks: (typeof toSend)[] = [];
      for (let start = 0; start < toSend.length; start += WIRE_LIMITS.maxBatch) chunks.push(toSend.slice(start, start + WIRE_LIMITS.maxBatch));
      await Promise.all(
        chunks.map(async (chunk) => {
          const body = JSON.stringify({ entries: chunk.map((item) => item.wire) });
          const answer = await limit.run(() => exchange('POST', `${base}/batch`, { body }));
          if (answer.status !== 200) throw failure('batch create', answer);
          const { results } = parse(wireBatchAnswer, answer, 'a malformed batch answer');
          if (results.length !== chunk.length) throw new ErpError('ERP_BAD_RESPONSE', `ERP answered ${results.length} results to a batch of ${chunk.length} entries`, { status: answer.status });
          for (const [i, item] of chunk.entries()) {
            const result = results[i];
            if (result !== undefined) outcomes[item.index] = batchItemOutcome(result);
          }
        }),
      );
      return outcomes;
    },

    async getJournalEntry(id: string): Promise<JournalEntry> {
      const answer = await limit.run(() => exchange('GET', `${base}/${encodeURIComponent(id)}`));
      if (answer.status !== 200) throw failure('get', answer);
      return fromWireEntry(parse(wireEntry, answer, 'a malformed journal entry'));
    },

    async listJournalEntries(query: ListJournalEntriesQuery): Promise<JournalEntryPage> {
      const params = new URLSearchParams({ since: query.since.toISOString(), until: query.until.toISOString() });
      if (query.cursor !== undefined) params.set('cursor', query.cursor);
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      const answer = await limit.run(() => exchange('GET', `${base}?${params.toString()}`));
      if (answer.status !== 200) throw failure('list', answer);
      const page = parse(wirePage, answer, 'a malformed page of journal entries');
      return { entries: page.entries.map(fromWireEntry), nextCursor: page.next_cursor };
    },

    async cancelJournalEntry(id: string): Promise<JournalEntry> {
      const answer = await limit.run(() => exchange('POST', `${base}/${encodeURIComponent(id)}/cancel`));
      if (answer.status !== 200) throw failure('cancel', answer);
      return fromWireEntry(parse(wireEntry, answer, 'a malformed journal entry'));
    },
  };
}

/**
 * The request's wire body after the checks the ERP would make (and the key's length), or the
 * `ERP_INVALID_REQUEST` a bad entry gets here, before any call.
 */
function checkedRequest(entry: JournalEntryRequest, idempotencyKey: string): { ok: true; wire: WireEntryRequest } | { ok: false; error: ErpError } {
  if (!Number.isSafeInteger(entry.occurredAt)) return invalid('occurredAt must be epoch milliseconds');
  const wire = toWireRequest(entry);
  const parsed = wireEntryRequest.safeParse(wire);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`journal entry ${entry.externalId}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  const problem = entryProblem(parsed.data);
  if (problem !== null) return invalid(`journal entry ${entry.externalId}: ${problem.message}`, problem.code);
  if (idempotencyKey.length === 0 || idempotencyKey.length > 255) return invalid('the idempotency key must be 1-255 characters');
  return { ok: true, wire };
}

function invalid(message: string, erpCode?: string): { ok: false; error: ErpError } {
  return { ok: false, error: new ErpError('ERP_INVALID_REQUEST', message, erpCode === undefined ? {} : { erpCode }) };
}

/** One entry's result in a batch answer, read as a single create's answer with that status would be. */
function batchItemOutcome(result: z.infer<typeof wireBatchResult>): BatchCreateOutcome {
  const { status, entry, error } = result;
  if (status !== 200 && status !== 202) {
    return { ok: false, error: failureOf('create', status, error, error === undefined ? '' : JSON.stringify(error)) };
  }
  if (entry === undefined) return { ok: false, error: new ErpError('ERP_BAD_RESPONSE', `ERP sent an entry without { id, status } (HTTP ${status} in a batch)`, { status }) };
  return { ok: true, value: createdOf(entry, status) };
}

/** A created entry as a create answered with `status` reports it: 200 is a replay of an earlier create. */
function createdOf(entry: { id: string; status: CreatedJournalEntry['status']; reason?: string | null | undefined }, status: number): CreatedJournalEntry {
  return { id: entry.id, status: entry.status, reason: entry.reason ?? null, replayed: status === 200 };
}

function parse<T extends z.ZodTypeAny>(schema: T, answer: HttpAnswer, what: string): z.infer<T> {
  const parsed = schema.safeParse(parseJson(answer.text));
  if (!parsed.success) throw new ErpError('ERP_BAD_RESPONSE', `ERP sent ${what} (HTTP ${answer.status})`, { status: answer.status });
  return parsed.data as z.infer<T>;
}

function failure(operation: Operation, answer: HttpAnswer): ErpError {
  const body = wireError.safeParse(parseJson(answer.text));
  return failureOf(operation, answer.status, body.success ? body.data : undefined, answer.text);
}

/** The error an answer of `status` (with its error body, if it had one) stands for. */
function failureOf(operation: Operation, status: number, body: { code: string; message: string } | undefined, text: string): ErpError {
  const erpCode = body?.code;
  const detail = `HTTP ${status}: ${body === undefined ? text.slice(0, 200) : `${body.code} ${body.message}`}`;
  const details = { status, ...(erpCode === undefined ? {} : { erpCode }) };
  if (status >= 200 && status < 300) return new ErpError('ERP_BAD_RESPONSE', `ERP answered ${operation} with an unexpected status (${detail})`, details);
  // On a batch, these statuses are about the request as a whole, not about an entry or an id.
  if (operation !== 'batch create') {
    if (status === 422) return new ErpError('ERP_VALIDATION_FAILED', `ERP refused the entry (${detail})`, details);
    if (status === 409) {
      return operation === 'cancel'
        ? new ErpError('ERP_NOT_CANCELLABLE', `ERP cannot cancel the entry (${detail})`, details)
        : new ErpError('ERP_IDEMPOTENCY_CONFLICT', `ERP reports an idempotency conflict (${detail})`, details);
    }
    if (status === 404) return new ErpError('ERP_NOT_FOUND', `ERP has no such entry (${detail})`, details);
  }
  if (status === 408) return new ErpError('ERP_TIMEOUT', `ERP timed out (${detail})`, details);
  if (status === 429) return new ErpError('ERP_RATE_LIMITED', `ERP rate limit hit (${detail})`, details);
  if (status >= 500) return new ErpError('ERP_UNAVAILABLE', `ERP failed (${detail})`, details);
  return new ErpError('ERP_REJECTED_REQUEST', `ERP refused the ${operation} request (${detail})`, details);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}


function entriesEndpoint(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new ErpError('ERP_INVALID_OPTIONS', `HTTP ERP: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption('baseUrl must be http(s)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/journal-entries`;
}

function invalidOption(message: string): ErpError {
  return new ErpError('ERP_INVALID_OPTIONS', `HTTP ERP: ${message}`);
}
