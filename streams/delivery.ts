import type { BatchHandler, IncomingMessage, OutgoingMessage, RetryPolicy } from './types';
import { DLQ_HEADERS, dlqTopic } from './types';

/**
 * The one place that decides retries and dead-lettering, shared by every adapter.
 *
 * A batch is handed to the handler whole. When it fails, its messages are handled one at a time
 * (in order, so per-key order holds) to find the one at fault: each single is retried with
 * exponential backoff and jitter while its error is retryable, up to `maxAttempts`; then, or at
 * once for a non-retryable error, it goes to `<topic>.dlq` with its original bytes and headers plus
 * the error, the attempt count and its source. `deliver` resolves when every message of the batch
 * has been handled or dead-lettered, so the adapter may acknowledge the whole batch.
 */

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 10_000 };

export interface DeliveryContext {
  policy: RetryPolicy;
  group: string;
  handler: BatchHandler;
  /** Publishes to the dead-letter topic (through the same transport). */
  publishDeadLetters(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Aborted when the subscription closes or aborts: pending backoff ends and nothing is acknowledged. */
  signal: AbortSignal;
}

/** Thrown when a subscription stops while a batch waits for a retry; the batch stays unacknowledged. */
export class DeliveryStoppedError extends Error {
  readonly code = 'DELIVERY_STOPPED';
  readonly retryable = true;
  constructor() {
    super('subscription stopped before the batch was handled');
    this.name = 'DeliveryStoppedError';
  }
}

/** Errors carrying `retryable: false` are not retried; every other error is. */
export function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false);
}

/** Largest delay `setTimeout` honours. */
const MAX_TIMER_MS = 2_147_483_647;

export function resolvePolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  for (const name of ['initialBackoffMs', 'maxBackoffMs'] as const) {
    const value = policy[name];
    // setTimeout fires at once for NaN, negative or over-large delays, which would silently drop the backoff.
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
      throw new RangeError(`retry.${name} must be a number of milliseconds between 0 and ${MAX_TIMER_MS}, got ${String(value)}`);
    }
  }
  return policy;
}

export async function deliver(batch: readonly IncomingMessage[], ctx: DeliveryContext): Promise<void> {
  if (batch.length === 0) return;
  throwIfStopped(ctx.signal);
  const fresh = batch.filter((m) => m.attempt <= ctx.policy.maxAttempts);
  // A message redelivered more often than the policy allows (it crashed its consumers) is not retried again.
  const exhausted = batch.filter((m) => m.attempt > ctx.policy.maxAttempts);
  if (exhausted.length > 0) {
    for (const message of batch) {
      if (message.attempt > ctx.policy.maxAttempts) {
        await deadLetter(message, new Error('redelivered beyond the retry limit'), message.attempt - 1, ctx);
      } else {
        await deliverOne(message, ctx);
      }
    }
    return;
  }
  try {
    await ctx.handler(fresh);
    return;
  } catch (err) {
    if (fresh.length === 1) {
      const only = fresh[0] as IncomingMessage;
      await retryOne(only, err, ctx);
      return;
    }
  }
  for (const message of fresh) await deliverOne(message, ctx);
}

async function deliverOne(message: IncomingMessage, ctx: DeliveryContext): Promise<void> {
  throwIfStopped(ctx.signal);
  try {
    await ctx.handler([message]);
  } catch (err) {
    await retryOne(message, err, ctx);
  }
}

/** `message` just failed with `firstError` at attempt `message.attempt`. */
async function retryOne(message: IncomingMessage, firstError: unknown, ctx: DeliveryContext): Promise<void> {
  let error = firstError;
  let attempt = message.attempt;
  while (isRetryable(error) && attempt < ctx.policy.maxAttempts) {
    await sleep(backoffMs(attempt, ctx.policy), ctx.signal);
    attempt += 1;
    try {
      await ctx.handler([{ ...message, attempt }]);
      return;
    } catch (err) {
      error = err;
    }
  }
  await deadLetter(message, error, attempt, ctx);
}

async function deadLetter(message: IncomingMessage, error: unknown, attempts: number, ctx: DeliveryContext): Promise<void> {
  throwIfStopped(ctx.signal);
  const headers = {
    ...message.headers,
    [DLQ_HEADERS.error]: describe(error),
    [DLQ_HEADERS.errorCode]: errorCode(error),
    [DLQ_HEADERS.attempts]: String(attempts),
    [DLQ_HEADERS.sourceTopic]: message.topic,
    [DLQ_HEADERS.sourcePartition]: String(message.partition),
    [DLQ_HEADERS.sourcePosition]: message.position,
    [DLQ_HEADERS.group]: ctx.group,
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  await ctx.publishDeadLetters(dlqTopic(message.topic), [{ key: message.key, value: message.value, headers }]);
}

/** Exponential backoff with full jitter: a random delay in [base/2, base] where base doubles per attempt. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  throwIfStopped(signal);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new DeliveryStoppedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new DeliveryStoppedError();
}

function describe(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    // A thrown value that cannot be turned into text (a null-prototype object, a throwing toString)
    // must still be dead-lettered: failing here made deliver() throw, so the adapter redelivered the
    // batch until the retry limit and the real error and code were lost.
    text = `unprintable ${typeof error} thrown`;
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    if (error instanceof Error) return error.name;
  }
  return 'UNKNOWN';
}
