import type { Logger } from 'pino';
import { createHttpExchange } from '../../http';
import { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, signErpWebhook } from '../webhook.signature';
import type { SimulatorSettings } from './options';
import type { WebhookDelivery, WebhookPayload } from './types';

/** Most recent deliveries kept for `state.webhookDeliveries()`. */
const LOG_LIMIT = 10_000;

export interface WebhookDispatcher {
  /** Queues `payload` for the next delivery to the current webhook target (if any). */
  send(payload: WebhookPayload): void;
  deliveries(): readonly WebhookDelivery[];
  /** Drops what is queued, cancels retries, aborts deliveries in flight and waits for them. */
  close(): Promise<void>;
}

/**
 * Signed, batched webhook deliveries. Decisions that become due together are delivered in ONE POST
 * with body `{ events: [<payload>, …] }`: a delivery leaves `batchWaitMs` after the first decision
 * queued, or at once when `maxBatch` are queued. Each attempt is signed afresh (its own timestamp) over
 * the same body. A delivery is retried as a whole on any non-2xx answer: attempt n+1 waits
 * `initialBackoffMs × 2^(n−1)` (capped at `maxBackoffMs`); after `maxAttempts` its decisions stay
 * undelivered and paystream learns them by polling. The delivery log has one record per event and attempt.
 */
export function createWebhookDispatcher(deps: { settings: () => SimulatorSettings; now: () => number; logger: Logger | undefined }): WebhookDispatcher {
  const log: WebhookDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const http = createHttpExchange();
  let queued: WebhookPayload[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function send(payload: WebhookPayload): void {
    const target = deps.settings().webhook;
    if (closed || target === null) return;
    queued.push(payload);
    if (queued.length >= target.maxBatch) flush();
    else flushTimer ??= setTimeout(flush, target.batchWaitMs);
  }

  function flush(): void {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    const events = queued;
    queued = [];
    const target = deps.settings().webhook;
    if (closed || target === null) return;
    for (let start = 0; start < events.length; start += target.maxBatch) attempt(events.slice(start, start + target.maxBatch), 1);
  }

  function attempt(events: readonly WebhookPayload[], attemptNo: number): void {
    const target = deps.settings().webhook;
    if (closed || target === null) return;
    const body = JSON.stringify({ events });
    const timestamp = Math.floor(deps.now() / 1000);
    const run = (async () => {
      let status: number | null = null;
      let error: string | null = null;
      try {
        // A redirect is not followed: it is a non-2xx answer, retried like any other.
        const answer = await http.send({
          method: 'POST',
          url: target.url,
          headers: {
            'content-type': 'application/json',
            [ERP_TIMESTAMP_HEADER]: String(timestamp),
            [ERP_SIGNATURE_HEADER]: signErpWebhook(target.secret, timestamp, body),
          },
          body,
          timeoutMs: target.timeoutMs,
        });
        status = answer.status;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const at = deps.now();
      for (const payload of events) log.push({ entryId: payload.id, event: payload.event, attempt: attemptNo, status, error, at });
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
      const delivered = status !== null && status >= 200 && status < 300;
      if (delivered || closed) return;
      if (attemptNo >= target.maxAttempts) {
        deps.logger?.warn({ entryIds: events.map((e) => e.id), attempts: attemptNo, status, error }, 'ERP simulator: webhook not delivered; giving up');
        return;
      }
      const delay = Math.min(target.maxBackoffMs, target.initialBackoffMs * 2 ** (attemptNo - 1));
      const timer = setTimeout(() => {
        timers.delete(timer);
        attempt(events, attemptNo + 1);
      }, delay);
      timers.add(timer);
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  return {
    send,
    deliveries: () => log,
    async close() {
      closed = true;
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      flushTimer = undefined;
      queued = [];
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // Fails the deliveries in flight (HTTP_CLOSED) and closes the kept-alive sockets.
      http.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}
