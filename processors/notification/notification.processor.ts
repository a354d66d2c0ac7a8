import { TOPICS } from '../../schemas';
import { withTransaction, type PoolConnection } from '../../storage/mysql';
import type { OutboxMessage } from '../../storage/outbox';
import { skipRecentlyPublished, type DecodedMessage, type Processor } from '../runtime';
import { createBalanceMonitor } from './balance-monitor';
import { changeSources, deliveredMessage, planDeliveries, walletChanges, withRequestedAmounts, type NotificationSource, type PlannedDelivery } from './delivery-plan';
import { createMerchantCache } from './merchant.cache';
import { NotificationError } from './notification.errors';
import {
  insertNotifications,
  lockNotifications,
  markSending,
  recordOutcomes,
  type NotificationRow,
  type Outcome,
} from './notifications.store';
import { NOTIFICATION_DEFAULTS, type NotificationProcessorDeps } from './options';
import type { MerchantContact, WalletChange } from './types';
import { requestedAmounts } from './wallet-actions.store';

type Settled = Omit<Outcome, 'row'>;

/**
 * Emails and texts merchants about their wallet changes and balance monitors' alerts, at most once
 * per (source, channel). A source is a WalletUpdated that calls for a notification (`templateFor`:
 * a sale credited, an action confirmed or rejected), or a threshold that a WalletUpdated moved into
 * its alerting state (see `detectCrossings`; source id derived from the event and the threshold).
 *
 * Per batch: one transaction moves the thresholds' states, records a row per (source, channel) (an existing row is kept), locks them, and
 * marks the PENDING ones SENDING with one more attempt; after it commits the providers are called
 * (at most `maxConcurrentSends` at once); a second transaction records each outcome. A row found
 * SENDING on a later attempt was interrupted mid-send: it may have gone out, so it is not sent again
 * (FAILED). Each transaction's final rows publish NotificationDelivered after it commits, before the
 * batch is acknowledged; a failed publish fails the batch, and its redelivery finds those rows final
 * and publishes them again (the row is the record of the output). A transient provider error
 * leaves its row PENDING and throws a retryable error after the rest is recorded, so the runner's
 * retry sends only what is still pending.
 */
export function createNotificationProcessor(deps: NotificationProcessorDeps): Processor {
  const { pool, codec } = deps;
  const publish = skipRecentlyPublished(deps.publish);
  const maxConcurrent = deps.options.maxConcurrentSends;
  const cacheMs = deps.options.merchantCacheMs ?? NOTIFICATION_DEFAULTS.merchantCacheMs;
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new NotificationError('NOTIFICATION_INVALID_OPTIONS', `maxConcurrentSends must be an integer >= 1, got ${maxConcurrent}`);
  }
  if (!(cacheMs >= 0)) throw new NotificationError('NOTIFICATION_INVALID_OPTIONS', `merchantCacheMs must be >= 0, got ${cacheMs}`);
  const thresholdCacheMs = deps.options.thresholdCacheMs ?? NOTIFICATION_DEFAULTS.thresholdCacheMs;
  if (!(thresholdCacheMs >= 0)) throw new NotificationError('NOTIFICATION_INVALID_OPTIONS', `thresholdCacheMs must be >= 0, got ${thresholdCacheMs}`);
  const name = NOTIFICATION_DEFAULTS.name;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: name });
  const merchants = createMerchantCache(pool, cacheMs, now);
  const monitor = createBalanceMonitor({ cacheMs: thresholdCacheMs, now });
  const channels = { email: deps.email !== undefined, sms: deps.sms !== undefined };
  // Outcomes of sends whose recording failed: applied on the retry instead of calling those rows interrupted.
  const unrecorded = new Map<string, Settled>();

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const changes = walletChanges(batch);
    const sources = changeSources(changes);
    if (sources.length === 0 && monitor.watchedWallets(changes).length === 0) return;
    // Read before the transaction (and mostly cached); alerts' recipients are looked up inside it.
    const contacts = sources.length === 0 ? new Map<string, MerchantContact>() : await merchants.get(sources.map((s) => s.merchantId));
    const claimed = await claim(changes, sources, contacts);
    const { plans } = claimed;
    await publish(claimed.outputs);
    const outcomes = await mapLimit(claimed.toSend, maxConcurrent, (row) => attempt(row, plans.get(row.id)));
    const outputs = await record(outcomes, plans);
    await publish(outputs);

    const transient = outcomes.filter((o) => o.status === 'PENDING');
    if (transient.length > 0) {
      throw new NotificationError(
        'NOTIFICATION_PROVIDER_UNAVAILABLE',
        `${transient.length} of ${outcomes.length} notification(s) failed transiently and stay pending: ${transient[0]?.lastError ?? ''}`,
      );
    }
  }

  /**
   * In transaction 1: the deliveries of the batch's wallet changes and of the alerts of its balance
   * monitors (whose thresholds' states move in this transaction), by notification id.
   */
  async function plan(
    connection: PoolConnection,
    changes: readonly WalletChange[],
    sources: readonly NotificationSource[],
    contacts: ReadonlyMap<string, MerchantContact>,
  ): Promise<Map<string, PlannedDelivery>> {
    const alerts = await monitor.check(connection, changes);
    const unknown = alerts.map((a) => a.merchantId).filter((id) => !contacts.has(id));
    const more = unknown.length === 0 ? new Map<string, MerchantContact>() : await merchants.get(unknown, connection);
    const all = [...sources, ...alerts];
    const amountless = all.flatMap((s) => (s.amountMinor === null && s.event.actionId !== null ? [s.event.actionId] : []));
    const plans = new Map<string, PlannedDelivery>();
    for (const s of withRequestedAmounts(all, await requestedAmounts(connection, amountless))) {
      for (const p of planDeliveries(s, contacts.get(s.merchantId) ?? more.get(s.merchantId), channels)) plans.set(p.record.id, p);
    }
    return plans;
  }

  /** Transaction 1: plan, record, lock, settle interrupted rows, mark what to send SENDING. */
  async function claim(
    changes: readonly WalletChange[],
    sources: readonly NotificationSource[],
    contacts: ReadonlyMap<string, MerchantContact>,
  ): Promise<{ toSend: NotificationRow[]; outputs: OutboxMessage[]; plans: Map<string, PlannedDelivery> }> {
    const at = new Date(now());
    const result = await withTransaction(pool, async (connection, writes) => {
      const plans = await plan(connection, changes, sources, contacts);
      const ids = [...plans.keys()];
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
        // Final already (recorded NOT_CONFIGURED just now, or on an earlier delivery of the event): published (again).
        else finals.push(row);
      }
      // The rest are writes: they go with the COMMIT in one round trip.
      await recordOutcomes(writes, settled, at);
      // A remembered transient failure is pending again: send it in this attempt.
      for (const o of settled) if (o.status === 'PENDING') toSend.push(o.row);
      await markSending(
        writes,
        toSend.map((r) => r.id),
        at,
      );
      const outputs = [...finals, ...settled.filter((o) => o.status !== 'PENDING').map((o) => applied(o, at))].map((row) =>
        deliveredMessage(codec, row, plans.get(row.id)?.source),
      );
      return { toSend: toSend.map((r) => ({ ...r, status: 'SENDING' as const, attempts: r.attempts + 1, updatedAt: at })), outputs, settled, plans };
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
      const outputs = await withTransaction(pool, async (_connection, writes) => {
        await recordOutcomes(writes, outcomes, at);
        return outcomes.filter((o) => o.status !== 'PENDING').map((o) => deliveredMessage(codec, applied(o, at), plans.get(o.row.id)?.source));
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
