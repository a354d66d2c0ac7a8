import type { Logger } from 'pino';
import { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, signErpWebhook } from '../webhook.signature';
import type { SimulatorSettings } from './options';
import type { WebhookDelivery, WebhookPayload } from './types';

/** Most recent deliveries kept for `state.webhookDeliveries()`. */
const LOG_LIMIT = 10_000;

export interface WebhookDispatcher {
  /** Delivers `payload` to the current webhook target (if any), retrying non-2xx answers with backoff. */
  send(payload: WebhookPayload): void;
  deliveries(): readonly WebhookDelivery[];
  /** Cancels retries, aborts deliveries in flight and waits for them. */
  close(): Promise<void>;
}

/**
 * Signed webhook deliveries. Each attempt is signed afresh (its own timestamp). Attempt n+1 waits
 * `initialBackoffMs × 2^(n−1)` (capped at `maxBackoffMs`); after `maxAttempts` the decision stays
 * undelivered and paystream learns it by polling.
 */
export function createWebhookDispatcher(deps: { settings: () => SimulatorSettings; now: () => number; logger: Logger | undefined }): WebhookDispatcher {
  const log: WebhookDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  let closed = false;

  function attempt(payload: WebhookPayload, attemptNo: number): void {
    const target = deps.settings().webhook;
    if (closed || target === null) return;
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(deps.now() / 1000);
    const abort = new AbortController();
    aborts.add(abort);
    const timeout = setTimeout(() => abort.abort(), target.timeoutMs);
    const run = (async () => {
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [ERP_TIMESTAMP_HEADER]: String(timestamp),
            [ERP_SIGNATURE_HEADER]: signErpWebhook(target.secret, timestamp, body),
          },
          body,
          signal: abort.signal,
        });
        status = res.status;
        await res.arrayBuffer();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timeout);
        aborts.delete(abort);
      }
      log.push({ entryId: payload.id, event: payload.event, attempt: attemptNo, status, error, at: deps.now() });
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
      const delivered = status !== null && status >= 200 && status < 300;
      if (delivered || closed) return;
      if (attemptNo >= target.maxAttempts) {
        deps.logger?.warn({ entryId: payload.id, attempts: attemptNo, status, error }, 'ERP simulator: webhook not delivered; giving up');
        return;
      }
      const delay = Math.min(target.maxBackoffMs, target.initialBackoffMs * 2 ** (attemptNo - 1));
      const timer = setTimeout(() => {
        timers.delete(timer);
        attempt(payload, attemptNo + 1);
      }, delay);
      timers.add(timer);
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }

  return {
    send: (payload) => attempt(payload, 1),
    deliveries: () => log,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const abort of aborts) abort.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
