import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateCaptureRequest } from './capture.validation';
import { SIMULATOR_DEFAULTS, type SimulatorPspOptions } from './options';
import { PspError } from './psp.errors';
import type { CaptureRequest, CaptureResult, PaymentProvider, PspClock } from './types';

/**
 * An in-process PSP for development, demos and tests. The token decides the outcome:
 * - not starting with `tok_`: declined `INVALID_TOKEN`;
 * - `tok_decline`: declined `CARD_DECLINED`; `tok_decline_<reason>`: declined `<REASON>` (upper-cased);
 * - `tok_flaky…`: the first attempt for an order id throws a retryable `PSP_UNAVAILABLE`, later ones capture;
 * - any other `tok_…`: captured, or declined `CARD_DECLINED` with probability `declineRate`.
 *
 * Idempotent by order id: the outcome is decided on the first call and every later call with the same
 * request gets the same result (the payment id is a hash of the order id). A later call with the same
 * order id but a different merchant, amount, currency or token throws a non-retryable `IDEMPOTENCY_CONFLICT`.
 * The memory is bounded: beyond `idempotencyCapacity` orders the least recently used are forgotten.
 */
export function createSimulatorPsp(options: SimulatorPspOptions = {}): PaymentProvider {
  const latencyMs = options.latencyMs ?? SIMULATOR_DEFAULTS.latencyMs;
  const declineRate = options.declineRate ?? SIMULATOR_DEFAULTS.declineRate;
  const capacity = options.idempotencyCapacity ?? SIMULATOR_DEFAULTS.idempotencyCapacity;
  const random = options.random ?? Math.random;
  const clock: PspClock = options.clock ?? { sleep: (ms) => sleep(ms) };
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw invalidOption(`latencyMs must be >= 0, got ${latencyMs}`);
  if (!(declineRate >= 0 && declineRate <= 1)) throw invalidOption(`declineRate must be within 0..1, got ${declineRate}`);
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw invalidOption(`idempotencyCapacity must be a positive integer, got ${capacity}`);
  }

  const memory = new LruMap<string, RememberedCapture>(capacity);

  // Decided synchronously, before the latency, so concurrent calls for one order agree.
  function decide(req: CaptureRequest): CaptureResult {
    validateCaptureRequest(req);
    const fingerprint = JSON.stringify([req.merchantId, req.amountMinor, req.currency, req.paymentToken]);
    const seen = memory.get(req.orderId);
    if (seen !== undefined) {
      if (seen.fingerprint !== fingerprint) {
        throw new PspError('IDEMPOTENCY_CONFLICT', `order ${req.orderId} was already captured with a different request`);
      }
      // No result yet: the previous attempt was a simulated transient failure, and this one succeeds.
      seen.result ??= captured(req.orderId);
      return seen.result;
    }
    if (req.paymentToken.startsWith(FLAKY_PREFIX)) {
      memory.set(req.orderId, { fingerprint, result: undefined });
      throw new PspError('PSP_UNAVAILABLE', 'simulated transient PSP failure (tok_flaky, first attempt)');
    }
    const result = outcomeOf(req, declineRate, random);
    memory.set(req.orderId, { fingerprint, result });
    return result;
  }

  return {
    name: 'simulator',
    async capture(req) {
      let decision: { result: CaptureResult } | { error: unknown };
      try {
        decision = { result: decide(req) };
      } catch (error) {
        decision = { error };
      }
      if (latencyMs > 0) await clock.sleep(latencyMs);
      if ('error' in decision) throw decision.error;
      return { ...decision.result };
    },
  };
}

const TOKEN_PREFIX = 'tok_';
const DECLINE_PREFIX = 'tok_decline';
const FLAKY_PREFIX = 'tok_flaky';

interface RememberedCapture {
  fingerprint: string;
  /** Undefined after a simulated transient failure: nothing was captured yet. */
  result: CaptureResult | undefined;
}

function outcomeOf(req: CaptureRequest, declineRate: number, random: () => number): CaptureResult {
  const token = req.paymentToken;
  if (!token.startsWith(TOKEN_PREFIX)) {
    return { outcome: 'DECLINED', reasonCode: 'INVALID_TOKEN', reason: 'The payment token is not valid' };
  }
  if (token.startsWith(DECLINE_PREFIX)) return declineFor(token.slice(DECLINE_PREFIX.length));
  if (declineRate > 0 && random() < declineRate) {
    return { outcome: 'DECLINED', reasonCode: 'CARD_DECLINED', reason: 'The card was declined by the issuer' };
  }
  return captured(req.orderId);
}

/** `_insufficient_funds` → `INSUFFICIENT_FUNDS` / "Insufficient funds"; anything else → `CARD_DECLINED`. */
function declineFor(suffix: string): CaptureResult {
  const words = suffix.startsWith('_') ? suffix.slice(1).split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0) : [];
  if (words.length === 0) {
    return { outcome: 'DECLINED', reasonCode: 'CARD_DECLINED', reason: 'The card was declined by the issuer' };
  }
  const sentence = words.join(' ').toLowerCase();
  return {
    outcome: 'DECLINED',
    reasonCode: words.join('_').toUpperCase(),
    reason: sentence.charAt(0).toUpperCase() + sentence.slice(1),
  };
}

function captured(orderId: string): CaptureResult {
  return {
    outcome: 'CAPTURED',
    paymentId: `pay_${digest('payment', orderId).slice(0, 24)}`,
    pspReference: `sim_${digest('reference', orderId).slice(0, 16)}`,
  };
}

function digest(purpose: string, orderId: string): string {
  return createHash('sha256').update(`${purpose}:${orderId}`).digest('hex');
}

function invalidOption(message: string): PspError {
  return new PspError('PSP_INVALID_OPTIONS', `simulator PSP: ${message}`);
}

/** A Map that forgets its least recently used entry beyond `capacity` (Map keeps insertion order). */
class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}
