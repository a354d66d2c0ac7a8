import { hash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { entryProblem, fromWireRequest, toWireEntry, WIRE_LIMITS, wireBatchRequest, wireEntryRequest } from '../journal-entry.wire';
import type { JournalEntry } from '../types';
import { JournalBook, rejectionFor, type ListPosition } from './journal.book';
import { applySettings, ERP_SIMULATOR_DEFAULTS, initialSettings, resolvePageSize, type ErpSimulatorOptions, type SimulatorSettings } from './options';
import type { ErpSimulator, ErpSimulatorState, SimulatorRequest } from './types';
import { createWebhookDispatcher } from './webhook.dispatcher';

interface Reply {
  status: number;
  body: unknown;
}

/** What a create of one entry ends with, for the single and the batch endpoint alike. */
type CreateResult = { status: 202 | 200; entry: JournalEntry } | { status: 400 | 409 | 422; error: { code: string; message: string } };

/** Room for a full batch (100 entries) of large entries. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Most recent requests kept for `state.requests()` (a long-running simulator does not grow without bound). */
const LOG_LIMIT = 10_000;
const ENTRY_PATH = /^\/journal-entries\/([^/]+)$/;
const CANCEL_PATH = /^\/journal-entries\/([^/]+)\/cancel$/;

/**
 * An ERP over HTTP for development, demos and tests, keeping journal entries in memory:
 *
 * - `POST /journal-entries` (header `Idempotency-Key`; body `{ external_id, memo, currency, lines:
 *   [{ account, debit_minor, credit_minor }], occurred_at }`): 202 `{ id, status: 'PENDING' }`; the same
 *   key and body again: 200 with the entry as it stands; the same key with another body: 409; a body
 *   that is not a balanced entry of integer amounts: 422 `{ code, message }`; no key: 400.
 * - `POST /journal-entries/batch` (body `{ entries: [{ idempotency_key, <a single create's body> }] }`,
 *   1–100 entries): 200 `{ results: [{ status, entry?: { id, status, reason }, error?: { code, message } }] }`,
 *   each entry handled exactly as a single create with that key (same idempotency, validation and
 *   rejection rules, statuses 202/200/409/422/400); more than 100 entries or not that shape: 400.
 * - `GET /journal-entries/{id}`; `GET /journal-entries?since=ISO&until=ISO[&cursor=&limit=]` (by
 *   `occurred_at` in [since, until), oldest first, paged by an opaque cursor); `POST
 *   /journal-entries/{id}/cancel` (PENDING or CONFIRMED → CANCELLED; REJECTED → 409).
 *
 * Every answer waits `latencyMs`; a share `failureRate` of requests, and all of them during an
 * `outage`, get 503 (a batch is one request: it waits once and fails as a whole). `confirmDelayMs`
 * after a create the entry is decided: REJECTED if a rejection rule matches (with the rule's reason),
 * CONFIRMED otherwise; then a signed webhook reports it, the decisions due together in one delivery
 * `{ events: [...] }` (see `webhook.dispatcher.ts`). Entries matching a validation rule are refused at
 * once (422 REFUSED_BY_RULE).
 */
export function createErpSimulator(options: ErpSimulatorOptions = {}): ErpSimulator {
  let settings: SimulatorSettings = initialSettings(options);
  const pageSize = resolvePageSize(options.pageSize);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const logger = options.logger?.child({ component: 'erp-simulator' });
  const book = new JournalBook();
  const requests: SimulatorRequest[] = [];
  const decisionTimers = new Set<NodeJS.Timeout>();
  const webhooks = createWebhookDispatcher({ settings: () => settings, now, logger });
  let outage = false;
  let server: Server | undefined;
  let baseUrl: string | undefined;

  function decideNow(id: string, status: 'CONFIRMED' | 'REJECTED', reason: string | null): JournalEntry | undefined {
    const entry = book.decide(id, status, reason, now());
    if (entry === undefined) return undefined;
    webhooks.send({
      event: entry.status === 'CONFIRMED' ? 'journal_entry.confirmed' : 'journal_entry.rejected',
      id: entry.id,
      external_id: entry.externalId,
      status: entry.status === 'CONFIRMED' ? 'CONFIRMED' : 'REJECTED',
      reason: entry.reason,
      at: new Date(entry.updatedAt).toISOString(),
    });
    return entry;
  }

  function decideByRules(id: string): void {
    const entry = book.get(id);
    if (entry?.status !== 'PENDING') return;
    const reason = rejectionFor(entry, settings.rejectionRules);
    decideNow(id, reason === null ? 'CONFIRMED' : 'REJECTED', reason);
  }

  /** One timer for the entries of one request: they are decided together, and their webhooks go out together. */
  function scheduleDecisions(ids: readonly string[]): void {
    const delay = settings.confirmDelayMs;
    if (delay === null || ids.length === 0) return;
    const timer = setTimeout(() => {
      decisionTimers.delete(timer);
      for (const id of ids) decideByRules(id);
    }, delay);
    decisionTimers.add(timer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://erp.invalid');
    const method = req.method ?? 'GET';
    // The body is read before the simulated latency and failures, as a real server would.
    const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    let reply: Reply;
    if (outage) reply = error(503, 'UNAVAILABLE', 'the ERP is down (simulated outage)');
    else if (settings.failureRate > 0 && random() < settings.failureRate) reply = error(503, 'UNAVAILABLE', 'the ERP failed (simulated failure)');
    else if (body.length > MAX_BODY_BYTES) reply = error(413, 'TOO_LARGE', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    else reply = route(method, url, req, body);
    requests.push({ method, path: url.pathname, status: reply.status, at: now() });
    if (requests.length > LOG_LIMIT) requests.splice(0, requests.length - LOG_LIMIT);
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function route(method: string, url: URL, req: IncomingMessage, body: Buffer): Reply {
    const path = url.pathname;
    if (path === '/healthz') return method === 'GET' ? { status: 200, body: { status: 'ok' } } : notAllowed();
    if (path === '/journal-entries') {
      if (method === 'POST') return create(req, body);
      if (method === 'GET') return list(url);
      return notAllowed();
    }
    if (path === '/journal-entries/batch') return method === 'POST' ? createBatch(body) : notAllowed();
    const cancelMatch = CANCEL_PATH.exec(path);
    if (cancelMatch?.[1] !== undefined) {
      if (method !== 'POST') return notAllowed();
      const outcome = book.cancel(decodeURIComponent(cancelMatch[1]), now());
      if (outcome === 'NOT_FOUND') return error(404, 'NOT_FOUND', 'no such journal entry');
      if (outcome === 'NOT_CANCELLABLE') return error(409, 'NOT_CANCELLABLE', 'a rejected entry cannot be cancelled');
      return { status: 200, body: toWireEntry(outcome) };
    }
    const entryMatch = ENTRY_PATH.exec(path);
    if (entryMatch?.[1] !== undefined) {
      if (method !== 'GET') return notAllowed();
      const entry = book.get(decodeURIComponent(entryMatch[1]));
      return entry === undefined ? error(404, 'NOT_FOUND', 'no such journal entry') : { status: 200, body: toWireEntry(entry) };
    }
    return error(404, 'NOT_FOUND', `no route ${path}`);
  }

  function create(req: IncomingMessage, body: Buffer): Reply {
    const key = req.headers['idempotency-key'];
    if (!validKey(key)) return error(400, 'IDEMPOTENCY_KEY_REQUIRED', 'send an Idempotency-Key header (1-255 characters)');
    const json = parseJson(body);
    if (json === undefined) return error(400, 'MALFORMED_JSON', 'the body is not JSON');
    const result = createOne(key, json);
    if ('error' in result) return { status: result.status, body: result.error };
    if (result.status === 202) scheduleDecisions([result.entry.id]);
    return { status: result.status, body: result.status === 202 ? { id: result.entry.id, status: result.entry.status } : toWireEntry(result.entry) };
  }

  function createBatch(body: Buffer): Reply {
    const json = parseJson(body);
    if (json === undefined) return error(400, 'MALFORMED_JSON', 'the body is not JSON');
    const parsed = wireBatchRequest.safeParse(json);
    if (!parsed.success) {
      const entries = typeof json === 'object' && json !== null && 'entries' in json ? json.entries : undefined;
      if (Array.isArray(entries) && entries.length > WIRE_LIMITS.maxBatch) return error(400, 'BATCH_TOO_LARGE', `a batch holds at most ${WIRE_LIMITS.maxBatch} entries`);
      return error(400, 'INVALID_BATCH', `the body must be { entries: [...] } with 1-${WIRE_LIMITS.maxBatch} entry objects`);
    }
    const created: string[] = [];
    const results = parsed.data.entries.map((item) => {
      const key = item.idempotency_key;
      const result = validKey(key) ? createOne(key, item) : { status: 400 as const, error: { code: 'IDEMPOTENCY_KEY_REQUIRED', message: 'give each entry an idempotency_key (1-255 characters)' } };
      if ('error' in result) return { status: result.status, error: result.error };
      if (result.status === 202) created.push(result.entry.id);
      return { status: result.status, entry: { id: result.entry.id, status: result.entry.status, reason: result.entry.reason } };
    });
    scheduleDecisions(created);
    return { status: 200, body: { results } };
  }

  /** Creates one entry (`json` is a single create's body; other fields are ignored) under `key`. */
  function createOne(key: string, json: unknown): CreateResult {
    const parsed = wireEntryRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { status: 422, error: { code: 'INVALID_ENTRY', message: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` } };
    }
    const problem = entryProblem(parsed.data);
    if (problem !== null) return { status: 422, error: problem };
    const request = fromWireRequest(parsed.data);
    const refusal = rejectionFor(request, settings.validationRules);
    if (refusal !== null) return { status: 422, error: { code: 'REFUSED_BY_RULE', message: refusal } };
    // zod's output has the schema's key order (and only its keys), so the fingerprint depends neither on
    // the client's key order nor on the endpoint (a batch item carries its idempotency_key too). The book
    // keeps a digest of the body, not the body: it is kept for every key, for as long as the simulator runs.
    const outcome = book.create(key, hash('sha256', JSON.stringify(parsed.data), 'base64'), request, now());
    if (outcome.kind === 'conflict') return { status: 409, error: { code: 'IDEMPOTENCY_CONFLICT', message: `the key was used for entry ${outcome.id} with another body` } };
    return { status: outcome.kind === 'replayed' ? 200 : 202, entry: outcome.entry };
  }

  function list(url: URL): Reply {
    const since = Date.parse(url.searchParams.get('since') ?? '');
    const until = Date.parse(url.searchParams.get('until') ?? '');
    if (Number.isNaN(since) || Number.isNaN(until)) return error(400, 'INVALID_QUERY', 'since and until must be ISO-8601 times');
    const limitParam = url.searchParams.get('limit');
    const limit = limitParam === null ? pageSize : Number(limitParam);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > ERP_SIMULATOR_DEFAULTS.maxPageSize) {
      return error(400, 'INVALID_QUERY', `limit must be an integer within 1..${ERP_SIMULATOR_DEFAULTS.maxPageSize}`);
    }
    const cursorParam = url.searchParams.get('cursor');
    const after = cursorParam === null ? null : decodeCursor(cursorParam);
    if (after === undefined) return error(400, 'INVALID_QUERY', 'unknown cursor');
    const page = book.list(since, until, after, limit);
    const last = page.entries.at(-1);
    return { status: 200, body: { entries: page.entries.map(toWireEntry), next_cursor: page.more && last !== undefined ? encodeCursor(last) : null } };
  }

  const state: ErpSimulatorState = {
    outage: (on) => {
      outage = on;
    },
    configure: (patch) => {
      settings = applySettings(settings, patch);
    },
    settings: () => ({ ...settings, rejectionRules: [...settings.rejectionRules], validationRules: [...settings.validationRules] }),
    entries: () => book.all(),
    entry: (id) => book.get(id),
    entriesFor: (externalId) => book.all().filter((e) => e.externalId === externalId),
    decide: (id, status, reason) => decideNow(id, status, status === 'REJECTED' ? (reason ?? 'REJECTED_BY_HAND') : null),
    settlePending: () => {
      const ids = book.ids('PENDING');
      for (const id of ids) decideByRules(id);
      return ids.length;
    },
    tamper: (id, change) => book.tamper(id, change, now()),
    forget: (id) => book.forget(id),
    requests: () => requests,
    webhookDeliveries: () => webhooks.deliveries(),
  };

  return {
    state,
    get url(): string {
      if (baseUrl === undefined) throw new Error('the ERP simulator is not started');
      return baseUrl;
    },
    async start(port = 0, host = '127.0.0.1') {
      if (server !== undefined) throw new Error('the ERP simulator is already started');
      const created = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          logger?.error({ err }, 'ERP simulator: request failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'INTERNAL', message: 'internal error' }));
        });
      });
      server = created;
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      const address = created.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      baseUrl = `http://${shownHost}:${bound}`;
      logger?.info({ url: baseUrl }, 'ERP simulator listening');
      return baseUrl;
    },
    async stop() {
      for (const timer of decisionTimers) clearTimeout(timer);
      decisionTimers.clear();
      await webhooks.close();
      const running = server;
      server = undefined;
      baseUrl = undefined;
      if (running === undefined) return;
      await new Promise<void>((resolve, reject) => {
        running.close((err) => (err === undefined ? resolve() : reject(err)));
        running.closeAllConnections();
      });
    },
  };
}

function error(status: number, code: string, message: string): Reply {
  return { status, body: { code, message } };
}

function validKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 255;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function notAllowed(): Reply {
  return error(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
}

function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.occurredAt, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names; undefined when it is not one of ours. */
function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') return { occurredAt: value[0], id: value[1] };
  } catch {
    // Not base64url JSON: not a cursor.
  }
  return undefined;
}

/** Reads the whole body, but stops keeping bytes beyond the limit (the caller answers 413). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
