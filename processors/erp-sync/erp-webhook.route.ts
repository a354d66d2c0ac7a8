import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { HttpReply, HttpRoute } from '../../gateway';
import { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, verifyErpWebhook } from '../../integrations/erp';
import type { EventCodec } from '../../schemas';
import { withTransaction, type Pool } from '../../storage/mysql';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { Transport } from '../../streams';
import { createBatchCoalescer, createOutboxPublisher } from '../runtime';
import { erpConfirmationMessage } from './erp-confirmation';
import { afterAnswer, type IgnoredAnswer } from './erp-record.transitions';
import { lockRecords, saveRecords } from './erp-records.store';
import { classifyStorageError } from './erp-sync.errors';
import { ERP_SYNC_NAME } from './options';
import type { ErpAnswer, ErpRecordState } from './types';

export interface ErpWebhookRouteOptions {
  pool: Pool;
  transport: Transport;
  codec: EventCodec;
  logger: Logger;
  /** [ERP_WEBHOOK_SECRET] the HMAC-SHA256 key the ERP signs with. */
  secret: string;
  /** [ERP_WEBHOOK_TOLERANCE_S] replay window: largest distance between X-Erp-Timestamp and now (default 300 s). */
  toleranceSeconds?: number;
  /** Default `/erp/webhooks`. */
  path?: string;
  /** Largest body accepted (default 2 MiB: a batch of 500 events with full-length ids and reasons). */
  maxBodyBytes?: number;
  /** Current time, epoch ms (default `Date.now`). */
  now?: () => number;
}

export const ERP_WEBHOOK_DEFAULTS = { path: '/erp/webhooks', toleranceSeconds: 300, maxBodyBytes: 2 * 1024 * 1024 } as const;

/** Most events in one batched webhook. */
const MAX_EVENTS = 500;

const payloadSchema = z.object({
  event: z.enum(['journal_entry.confirmed', 'journal_entry.rejected']),
  id: z.string().min(1).max(128),
  external_id: z.string().min(1).max(128),
  status: z.enum(['CONFIRMED', 'REJECTED']),
  reason: z.string().max(2_000).nullable(),
  at: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: 'must be an ISO-8601 time' }),
});

type Payload = z.infer<typeof payloadSchema>;

/** A batched webhook: `{ events: [<payload>, …] }`. */
const batchSchema = z.object({ events: z.array(payloadSchema).min(1).max(MAX_EVENTS) });
type Outcome = { kind: 'accepted'; message: OutboxMessage } | { kind: 'ignored'; why: IgnoredAnswer | 'UNKNOWN_EXTERNAL_ID' };

/** One webhook's answer on its way through the batch that records it. */
interface Received {
  payload: Payload;
  outcome: Outcome | undefined;
}

function answerOf(payload: Payload): ErpAnswer {
  return {
    outcome: payload.status,
    reason: payload.status === 'REJECTED' ? (payload.reason ?? 'rejected by the ERP') : null,
    erpId: payload.id,
    source: 'WEBHOOK',
    at: Date.parse(payload.at),
  };
}

/**
 * `POST /erp/webhooks`: the ERP's signed answers (see `integrations/erp` webhook.signature.ts).
 *
 * The body is one payload `{ event, id, external_id, status, reason, at }` or a batch of them
 * `{ events: [<payload>, …] }` (1–500 events, signed as one body).
 *
 * - Unsigned, wrongly signed or malformed signature headers, or a timestamp outside the replay window:
 *   401, nothing changes. A signed body that is not a webhook payload, or a batch with any malformed
 *   event: 400, nothing changes.
 * - Otherwise, in ONE transaction for all the events of the request (shared with the requests that
 *   arrive while the previous one commits; a failure there records each request alone), for each event
 *   in order: lock the `erp_records` row of `external_id`, record the answer (CONFIRMED/REJECTED,
 *   answered via WEBHOOK) and append ErpConfirmation (source WEBHOOK, id
 *   `deriveId(ledgerTransactionId, 'ErpConfirmation')`) to the outbox of producer `erp-sync`; after
 *   commit publish it (if that fails, the erp-sync role's outbox relay publishes it). 200 `accepted`.
 * - A record already answered (a duplicate or replayed webhook), cancelled, or the answer for another
 *   ERP entry of the same transaction: 200 `ignored`, nothing changes.
 * - An unknown `external_id`: 200 `ignored` and a warning in the log, not 404: the ERP retries every
 *   non-2xx, and no retry makes an unknown transaction known (reconciliation reports it as MISSING_IN_LEDGER).
 * - A batch is answered 200 `{ status: 'accepted', results: [{ status: 'accepted' } | { status: 'ignored',
 *   reason }] }`, one result per event in order; a single payload with its own result as above.
 */
export function createErpWebhookRoute(options: ErpWebhookRouteOptions): HttpRoute {
  const toleranceSeconds = options.toleranceSeconds ?? ERP_WEBHOOK_DEFAULTS.toleranceSeconds;
  const maxBodyBytes = options.maxBodyBytes ?? ERP_WEBHOOK_DEFAULTS.maxBodyBytes;
  const now = options.now ?? Date.now;
  if (options.secret.length === 0) throw new RangeError('ERP webhook: the secret must not be empty');
  if (!Number.isSafeInteger(toleranceSeconds) || toleranceSeconds < 0) throw new RangeError(`ERP webhook: toleranceSeconds must be a non-negative integer, got ${toleranceSeconds}`);
  const log = options.logger.child({ route: 'erp-webhook' });
  // Publishes after commit only; the relay of these rows runs in the erp-sync role.
  const outbox = createOutboxPublisher({ pool: options.pool, transport: options.transport, producer: ERP_SYNC_NAME, logger: options.logger });

  /**
   * Records the answers of webhooks that arrived together in ONE transaction (see the coalescer
   * below): lock their records, apply each answer in arrival order, save, append the confirmations
   * to the outbox; after commit publish them. Sets each item's outcome.
   */
  async function recordAll(items: readonly Received[]): Promise<void> {
    for (const item of items) item.outcome = undefined;
    const messages = await withTransaction(options.pool, async (connection, writes) => {
      const records = await lockRecords(connection, [...new Set(items.map((i) => i.payload.external_id))]);
      const at = now();
      const changed = new Map<string, ErpRecordState>();
      const out: OutboxMessage[] = [];
      for (const item of items) {
        const { payload } = item;
        const current = records.get(payload.external_id);
        if (current === undefined) {
          item.outcome = { kind: 'ignored', why: 'UNKNOWN_EXTERNAL_ID' };
          continue;
        }
        const answer = answerOf(payload);
        const next = afterAnswer(current, answer, at);
        if ('ignored' in next) {
          item.outcome = { kind: 'ignored', why: next.ignored };
          continue;
        }
        records.set(payload.external_id, next.record);
        changed.set(payload.external_id, next.record);
        const message = erpConfirmationMessage(options.codec, next.record, answer, at);
        out.push(message);
        item.outcome = { kind: 'accepted', message };
      }
      await saveRecords(writes, [...changed.values()]);
      await appendOutbox(writes, ERP_SYNC_NAME, out);
      return out;
    });
    // Never rejects: committed outputs the publish misses are published by the erp-sync role's relay.
    await outbox.publish(messages);
  }
  // Webhooks arrive many at once under load (one answer or a batch per request): one transaction for all of them.
  const recorder = createBatchCoalescer<Received>(recordAll, {
    maxMessages: MAX_EVENTS,
    onMergedFailure: (err, batches) => log.warn({ err, webhooks: batches }, 'recording webhooks together failed; recording each alone'),
  });

  async function handler(request: IncomingMessage): Promise<HttpReply> {
    const body = await readBody(request, maxBodyBytes);
    if (body === null) return { status: 413, body: { error: `bodies are limited to ${maxBodyBytes} bytes` } };
    const check = verifyErpWebhook({
      secret: options.secret,
      timestamp: header(request, ERP_TIMESTAMP_HEADER),
      signature: header(request, ERP_SIGNATURE_HEADER),
      body,
      nowSeconds: Math.floor(now() / 1000),
      toleranceSeconds,
    });
    if (!check.ok) {
      log.warn({ problem: check.problem }, 'ERP webhook refused');
      return { status: 401, body: { error: 'unauthorized' } };
    }
    const payloads = payloadsOf(parseJson(body));
    if (!payloads.ok) {
      log.warn({ issues: payloads.issues }, 'ERP webhook with a malformed payload');
      return { status: 400, body: { error: 'malformed webhook payload' } };
    }
    const items: Received[] = payloads.events.map((payload) => ({ payload, outcome: undefined }));
    try {
      await recorder.handle(items);
    } catch (err) {
      throw classifyStorageError(err);
    }
    const results = items.map((item) => resultOf(item));
    if (payloads.batch) return { status: 200, body: { status: 'accepted', results } };
    const [result] = results;
    if (result === undefined) throw new Error('ERP webhook: the answer was not recorded');
    return { status: 200, body: result };
  }

  /** The answer for one recorded event, logged. */
  function resultOf(item: Received): { status: 'accepted' } | { status: 'ignored'; reason: IgnoredAnswer | 'UNKNOWN_EXTERNAL_ID' } {
    const { payload, outcome } = item;
    if (outcome === undefined) throw new Error('ERP webhook: the answer was not recorded');
    const context = { externalId: payload.external_id, erpId: payload.id, status: payload.status };
    if (outcome.kind === 'ignored') {
      if (outcome.why === 'UNKNOWN_EXTERNAL_ID' || outcome.why === 'OTHER_ERP_ENTRY') log.warn({ ...context, why: outcome.why }, 'ERP webhook ignored');
      else log.info({ ...context, why: outcome.why }, 'ERP webhook ignored');
      return { status: 'ignored', reason: outcome.why };
    }
    log.debug(context, 'ERP answer recorded');
    return { status: 'accepted' };
  }

  return { method: 'POST', path: options.path ?? ERP_WEBHOOK_DEFAULTS.path, handler };
}

/** The events of a body: one payload, or a batch; not ok when the body or any event is malformed. */
function payloadsOf(json: unknown): { ok: true; batch: boolean; events: Payload[] } | { ok: false; issues: unknown } {
  const batch = typeof json === 'object' && json !== null && !Array.isArray(json) && 'events' in json;
  const parsed = batch ? batchSchema.safeParse(json) : payloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.slice(0, 3) };
  const events = 'events' in parsed.data ? parsed.data.events : [parsed.data];
  const inconsistent = events.findIndex((p) => (p.event === 'journal_entry.confirmed') !== (p.status === 'CONFIRMED'));
  if (inconsistent >= 0) return { ok: false, issues: batch ? `event ${inconsistent}: event and status disagree` : 'event and status disagree' };
  return { ok: true, batch, events };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The whole body, or null when it is larger than `limit` (the rest is drained, not kept). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
