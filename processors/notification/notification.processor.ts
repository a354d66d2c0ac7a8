import { TOPICS } from '../../schemas';
import { withTransaction } from '../../storage/mysql';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { DecodedMessage, Processor } from '../runtime';
import { deliveredMessage, notificationSources, planDeliveries, type PlannedDelivery } from './delivery-plan';
import { createMerchantCache } from './merchant.cache';
import { NotificationError } from './notification.errors';
import {
  existingNotificationIds,
  insertNotifications,
  lockNotifications,
  markSending,
  recordOutcomes,
  type NotificationRow,
  type Outcome,
} from './notifications.store';
import { NOTIFICATION_DEFAULTS, type NotificationProcessorDeps } from './options';

type Settled = Omit<Outcome, 'row'>;

/**
 * Emails and texts merchants about their wallet changes, at most once per (event, channel).
 *
 * Per batch: one transaction records a row per (event, channel) (an existing row is kept), locks them, and
 * marks the PENDING ones SENDING with one more attempt; after it commits the providers are called
 * (at most `maxConcurrentSends` at once); a second transaction records each outcome. A row found
 * SENDING on a later attempt was interrupted mid-send: it may have gone out, so it is not sent again
 * (FAILED). Final rows publish NotificationDelivered through the outbox. A transient provider error
 * leaves its row PENDING and throws a retryable error after the rest is recorded, so the runner's
 * retry sends only what is still pending.
 */
export function createNotificationProcessor(deps: NotificationProcessorDeps): Processor {
  const { pool, codec, outbox } = deps;
  const maxConcurrent = deps.options.maxConcurrentSends;
  const cacheMs = deps.options.merchantCacheMs ?? NOTIFICATION_DEFAULTS.merchantCacheMs;
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new NotificationError('NOTIFICATION_INVALID_OPTIONS', `maxConcurrentSends must be an integer >= 1, got ${maxConcurrent}`);
  }
  if (!(cacheMs >= 0)) throw new NotificationError('NOTIFICATION_INVALID_OPTIONS', `merchantCacheMs must be >= 0, got ${cacheMs}`);
  const name = NOTIFICATION_DEFAULTS.name;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: name });
  const merchants = createMerchantCache(pool, cacheMs, now);
  // Outcomes of sends whose recording failed: applied on the retry instead of calling those rows interrupted.
  const unrecorded = new Map<string, Settled>();

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const sources = notificationSources(batch);
    if (sources.length === 0) return;
    const contacts = await merchants.get(sources.map((s) => s.event.merchantId));
    const plans = new Map<string, PlannedDelivery>();
    for (const s of sources) {
      for (const p of planDeliveries(s, contacts.get(s.event.merchantId), { email: deps.email !== undefined, sms: deps.sms !== undefined })) {
        plans.set(p.record.id, p);
      }
    }
    const claimed = await claim(plans);
    await outbox.publish(claimed.outputs);
    const outcomes = await mapLimit(claimed.toSend, maxConcurrent, (row) => attempt(row, plans.get(row.id)));
    const outputs = await record(outcomes, plans);
    await outbox.publish(outputs);

    const transient = outcomes.filter((o) => o.status === 'PENDING');
    if (transient.length > 0) {
      throw new NotificationError(
        'NOTIFICATION_PROVIDER_UNAVAILABLE',
        `${transient.length} of ${outcomes.length} notification(s) failed transiently and stay pending: ${transient[0]?.lastError ?? ''}`,
      );
    }
  }

  /** Transaction 1: record, lock, settle interrupted rows, mark what to send SENDING. */
  async function claim(plans: ReadonlyMap<string, PlannedDelivery>): Promise<{ toSend: NotificationRow[]; outputs: OutboxMessage[] }> {
    const at = new Date(now());
    const ids = [...plans.keys()];
    const result = await withTransaction(pool, async (connection) => {
      const existing = await existingNotificationIds(connection, ids);
      await insertNotifications(
        connection,
        [...plans.values()].map((p) => p.record),
        at,
      );
      const rows = await lockNotifications(connection, ids);
      const toSend: NotificationRow[] = [];
      const settled: Outcome[] = [];
      const finals: NotificationRow[] = [];
      for (const row of rows) {
        if (row.status === 'PENDING') toSend.push(row);
        else if (row.status === 'SENDING') settled.push({ row, ...(unrecorded.get(row.id) ?? interrupted(row)) });
        else if (!existing.has(row.id)) finals.push(row);
      }
      await recordOutcomes(connection, settled, at);
      // A remembered transient failure is pending again: send it in this attempt.
      for (const o of settled) if (o.status === 'PENDING') toSend.push(o.row);
      await markSending(
        connection,
        toSend.map((r) => r.id),
        at,
      );
      const outputs = [...finals, ...settled.filter((o) => o.status !== 'PENDING').map((o) => applied(o, at))].map((row) =>
        deliveredMessage(codec, row, correlationOf(plans, row)),
      );
      await appendOutbox(connection, name, outputs);
      return { toSend: toSend.map((r) => ({ ...r, status: 'SENDING' as const, attempts: r.attempts + 1, updatedAt: at })), outputs, settled };
    });
    for (const o of result.settled) unrecorded.delete(o.row.id);
    for (const o of result.settled) if (o.status === 'FAILED') log.warn({ notificationId: o.row.id, err: o.lastError }, 'notification interrupted mid-send; not resent');
    return result;
  }

  /** One provider call; never throws: its result is an outcome. */
  async function attempt(row: NotificationRow, plan: PlannedDelivery | undefined): Promise<Outcome> {
    const rendered = plan?.rendered;
    if (rendered === undefined) return { row, status: 'FAILED', provider: null, providerMessageId: null, lastError: 'nothing to send: the merchant is unknown' };
    let provider: string;
    let send: () => Promise<{ messageId: string; provider: string }>;
    if (row.channel === 'EMAIL') {
      const email = deps.email;
      // A row left PENDING by a process that had the channel, retried by one that has not.
      if (email === undefined) return { row, status: 'NOT_CONFIGURED', provider: null, providerMessageId: null, lastError: null };
      provider = email.provider;
      send = () => email.send({ to: row.recipient, ...rendered.email });
    } else {
      const sms = deps.sms;
      if (sms === undefined) return { row, status: 'NOT_CONFIGURED', provider: null, providerMessageId: null, lastError: null };
      provider = sms.provider;
      send = () => sms.send({ to: row.recipient, body: rendered.sms.body });
    }
    try {
      const receipt = await send();
      log.debug({ notificationId: row.id, channel: row.channel, provider: receipt.provider, attempts: row.attempts }, 'notification sent');
      return { row, status: 'SENT', provider: receipt.provider, providerMessageId: receipt.messageId, lastError: null };
    } catch (err) {
      const retryable = isRetryable(err);
      log.warn({ err, notificationId: row.id, channel: row.channel, attempts: row.attempts, retryable }, 'notification send failed');
      return { row, status: retryable ? 'PENDING' : 'FAILED', provider, providerMessageId: null, lastError: describeError(err) };
    }
  }

  /** Transaction 2: the outcomes and their NotificationDelivered. */
  async function record(outcomes: readonly Outcome[], plans: ReadonlyMap<string, PlannedDelivery>): Promise<OutboxMessage[]> {
    if (outcomes.length === 0) return [];
    const at = new Date(now());
    try {
      const outputs = await withTransaction(pool, async (connection) => {
        await recordOutcomes(connection, outcomes, at);
        const messages = outcomes.filter((o) => o.status !== 'PENDING').map((o) => deliveredMessage(codec, applied(o, at), correlationOf(plans, o.row)));
        await appendOutbox(connection, name, messages);
        return messages;
      });
      for (const o of outcomes) unrecorded.delete(o.row.id);
      return outputs;
    } catch (err) {
      for (const { row, ...settled } of outcomes) unrecorded.set(row.id, settled);
      throw err;
    }
  }

  return { name, topics: [TOPICS.walletUpdates], handle };
}

function interrupted(row: NotificationRow): Settled {
  return {
    status: 'FAILED',
    provider: row.provider,
    providerMessageId: null,
    lastError: `interrupted during attempt ${row.attempts}: the provider may have the message, so it is not sent again`,
  };
}

/** The row as `recordOutcomes` leaves it. */
function applied(o: Outcome, at: Date): NotificationRow {
  return { ...o.row, status: o.status, provider: o.provider, providerMessageId: o.providerMessageId, lastError: o.lastError, updatedAt: at };
}

function correlationOf(plans: ReadonlyMap<string, PlannedDelivery>, row: NotificationRow): string {
  return plans.get(row.id)?.source.correlationId ?? row.sourceEventId;
}

/** Errors carrying `retryable: false` are permanent; every other error may pass. */
function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false);
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) results[i] = await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
