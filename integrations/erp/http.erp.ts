import type { z } from 'zod';
import { createConcurrencyLimit } from '../concurrency';
import { ErpError } from './erp.errors';
import { entryProblem, fromWireEntry, toWireRequest, wireCreated, wireEntry, wireEntryRequest, wireError, wirePage } from './journal-entry.wire';
import { HTTP_ERP_DEFAULTS, type HttpErpClientOptions } from './options';
import type { CreatedJournalEntry, ErpClient, JournalEntry, JournalEntryPage, JournalEntryRequest, ListJournalEntriesQuery } from './types';

type Operation = 'create' | 'get' | 'list' | 'cancel';

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
 * Connections are kept alive (Node's fetch pools them); at most `maxConcurrent` calls are in flight.
 */
export function createHttpErpClient(options: HttpErpClientOptions): ErpClient {
  const base = entriesEndpoint(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? HTTP_ERP_DEFAULTS.timeoutMs;
  const maxConcurrent = options.maxConcurrent ?? HTTP_ERP_DEFAULTS.maxConcurrent;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidOption(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) throw invalidOption(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  const limit = createConcurrencyLimit(maxConcurrent);

  async function exchange(method: 'GET' | 'POST', url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    // One deadline for the whole exchange: connecting, the answer and its body.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal,
        redirect: 'manual',
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (signal.aborted) throw new ErpError('ERP_TIMEOUT', `ERP did not answer within ${timeoutMs} ms`, { cause: err });
      throw new ErpError('ERP_UNAVAILABLE', `ERP unreachable (${networkCode(err)})`, { cause: err });
    }
  }

  return {
    async createJournalEntry(entry: JournalEntryRequest, idempotencyKey: string): Promise<CreatedJournalEntry> {
      const body = validatedRequest(entry);
      if (idempotencyKey.length === 0 || idempotencyKey.length > 255) throw new ErpError('ERP_INVALID_REQUEST', 'the idempotency key must be 1-255 characters');
      const answer = await limit.run(() => exchange('POST', base, { body, headers: { 'idempotency-key': idempotencyKey } }));
      if (answer.status !== 200 && answer.status !== 202) throw failure('create', answer);
      const created = parse(wireCreated, answer, 'an entry without { id, status }');
      return { id: created.id, status: created.status, reason: created.reason ?? null, replayed: answer.status === 200 };
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

/** The request body, after the checks the ERP would make: a bad entry fails here, before any call. */
function validatedRequest(entry: JournalEntryRequest): string {
  if (!Number.isSafeInteger(entry.occurredAt)) throw new ErpError('ERP_INVALID_REQUEST', 'occurredAt must be epoch milliseconds');
  const wire = toWireRequest(entry);
  const parsed = wireEntryRequest.safeParse(wire);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ErpError('ERP_INVALID_REQUEST', `journal entry ${entry.externalId}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  const problem = entryProblem(parsed.data);
  if (problem !== null) throw new ErpError('ERP_INVALID_REQUEST', `journal entry ${entry.externalId}: ${problem.message}`, { erpCode: problem.code });
  return JSON.stringify(wire);
}

function parse<T extends z.ZodTypeAny>(schema: T, answer: HttpAnswer, what: string): z.infer<T> {
  const parsed = schema.safeParse(parseJson(answer.text));
  if (!parsed.success) throw new ErpError('ERP_BAD_RESPONSE', `ERP sent ${what} (HTTP ${answer.status})`, { status: answer.status });
  return parsed.data as z.infer<T>;
}

function failure(operation: Operation, answer: HttpAnswer): ErpError {
  const { status } = answer;
  const body = wireError.safeParse(parseJson(answer.text));
  const erpCode = body.success ? body.data.code : undefined;
  const detail = `HTTP ${status}: ${body.success ? `${body.data.code} ${body.data.message}` : answer.text.slice(0, 200)}`;
  const details = { status, ...(erpCode === undefined ? {} : { erpCode }) };
  if (status >= 200 && status < 300) return new ErpError('ERP_BAD_RESPONSE', `ERP answered ${operation} with an unexpected status (${detail})`, details);
  if (status === 422) return new ErpError('ERP_VALIDATION_FAILED', `ERP refused the entry (${detail})`, details);
  if (status === 409) {
    return operation === 'cancel'
      ? new ErpError('ERP_NOT_CANCELLABLE', `ERP cannot cancel the entry (${detail})`, details)
      : new ErpError('ERP_IDEMPOTENCY_CONFLICT', `ERP reports an idempotency conflict (${detail})`, details);
  }
  if (status === 404) return new ErpError('ERP_NOT_FOUND', `ERP has no such entry (${detail})`, details);
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

/**
 * The system error code under fetch's generic "fetch failed" (ECONNREFUSED, ECONNRESET…), for the message.
 * Read structurally: fetch's errors may come from another realm, where `instanceof Error` is false.
 */
function networkCode(err: unknown): string {
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
  if (typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string') return err.name;
  return 'unknown error';
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
