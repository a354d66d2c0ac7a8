import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { HttpReply, HttpRoute } from '../../gateway';
import { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, verifyErpWebhook } from '../../integrations/erp';
import type { EventCodec } from '../../schemas';
import { withTransaction, type Pool } from '../../storage/mysql';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { Transport } from '../../streams';
import { createOutboxPublisher } from '../runtime';
import { erpConfirmationMessage } from './erp-confirmation';
import { afterAnswer, type IgnoredAnswer } from './erp-record.transitions';
import { lockRecords, saveRecords } from './erp-records.store';
import { classifyStorageError } from './erp-sync.errors';
import { ERP_SYNC_NAME } from './options';

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
  /** Largest body accepted (default 64 KiB). */
  maxBodyBytes?: number;
  /** Current time, epoch ms (default `Date.now`). */
  now?: () => number;
}

export const ERP_WEBHOOK_DEFAULTS = { path: '/erp/webhooks', toleranceSeconds: 300, maxBodyBytes: 64 * 1024 } as const;

const payloadSchema = z.object({
  event: z.enum(['journal_entry.confirmed', 'journal_entry.rejected']),
  id: z.string().min(1).max(128),
  external_id: z.string().min(1).max(128),
  status: z.enum(['CONFIRMED', 'REJECTED']),
  reason: z.string().max(2_000).nullable(),
  at: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: 'must be an ISO-8601 time' }),
});

type Outcome = { kind: 'accepted'; message: OutboxMessage } | { kind: 'ignored'; why: IgnoredAnswer | 'UNKNOWN_EXTERNAL_ID' };

/**
 * `POST /erp/webhooks`: the ERP's signed answers (see `integrations/erp` webhook.signature.ts).
 *
 * - Unsigned, wrongly signed or malformed signature headers, or a timestamp outside the replay window:
 *   401, nothing changes. A signed body that is not a webhook payload: 400.
 * - Otherwise, in ONE transaction: lock the `erp_records` row of `external_id`, record the answer
 *   (CONFIRMED/REJECTED, answered via WEBHOOK) and append ErpConfirmation (source WEBHOOK, id
 *   `deriveId(ledgerTransactionId, 'ErpConfirmation')`) to the outbox of producer `erp-sync`; after
 *   commit publish it (if that fails, the erp-sync role's outbox relay publishes it). 200 `accepted`.
 * - A record already answered (a duplicate or replayed webhook), cancelled, or the answer for another
 *   ERP entry of the same transaction: 200 `ignored`, nothing changes.
 * - An unknown `external_id`: 200 `ignored` and a warning in the log, not 404: the ERP retries every
 *   non-2xx, and no retry makes an unknown transaction known (reconciliation reports it as MISSING_IN_LEDGER).
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

  async function record(payload: z.infer<typeof payloadSchema>): Promise<Outcome> {
    const answer = {
      outcome: payload.status,
      reason: payload.status === 'REJECTED' ? (payload.reason ?? 'rejected by the ERP') : null,
      erpId: payload.id,
      source: 'WEBHOOK' as const,
      at: Date.parse(payload.at),
    };
    return withTransaction(options.pool, async (connection) => {
      const current = (await lockRecords(connection, [payload.external_id])).get(payload.external_id);
      if (current === undefined) return { kind: 'ignored', why: 'UNKNOWN_EXTERNAL_ID' };
      const at = now();
      const next = afterAnswer(current, answer, at);
      if ('ignored' in next) return { kind: 'ignored', why: next.ignored };
      await saveRecords(connection, [next.record]);
      const message = erpConfirmationMessage(options.codec, next.record, answer, at);
      await appendOutbox(connection, ERP_SYNC_NAME, [message]);
      return { kind: 'accepted', message };
    });
  }

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
    const parsed = payloadSchema.safeParse(parseJson(body));
    const consistent = parsed.success && (parsed.data.event === 'journal_entry.confirmed') === (parsed.data.status === 'CONFIRMED');
    if (!parsed.success || !consistent) {
      log.warn({ issues: parsed.success ? 'event and status disagree' : parsed.error.issues.slice(0, 3) }, 'ERP webhook with a malformed payload');
      return { status: 400, body: { error: 'malformed webhook payload' } };
    }
    let outcome: Outcome;
    try {
      outcome = await record(parsed.data);
    } catch (err) {
      throw classifyStorageError(err);
    }
    const context = { externalId: parsed.data.external_id, erpId: parsed.data.id, status: parsed.data.status };
    if (outcome.kind === 'ignored') {
      if (outcome.why === 'UNKNOWN_EXTERNAL_ID' || outcome.why === 'OTHER_ERP_ENTRY') log.warn({ ...context, why: outcome.why }, 'ERP webhook ignored');
      else log.info({ ...context, why: outcome.why }, 'ERP webhook ignored');
      return { status: 200, body: { status: 'ignored', reason: outcome.why } };
    }
    log.info(context, 'ERP answer recorded');
    try {
      await outbox.publish([outcome.message]);
    } catch (err) {
      log.warn({ err, ...context }, 'publishing the ERP confirmation failed; the outbox relay will publish it');
    }
    return { status: 200, body: { status: 'accepted' } };
  }

  return { method: 'POST', path: options.path ?? ERP_WEBHOOK_DEFAULTS.path, handler };
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
