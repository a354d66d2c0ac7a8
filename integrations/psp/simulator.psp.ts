import { hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LruMap } from '../../caching';
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
 * The memory is bounded: beyond `idempotencyCapacity` orders the least recently used are forgotten, as
 * a real PSP lets idempotency keys expire. Forgetting changes an answer only for a random decline
 * (`declineRate`) or a `tok_flaky` order: a capture's ids and a token's decline follow from the request.
 * So each order remembers only a number (its request's fingerprint and which kind of outcome it got),
 * not the outcome: about 100 bytes of heap per order, its id included, instead of about 600.
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

  const memory = new LruMap<string, number>(capacity);

  // Decided synchronously, before the latency, so concurrent calls for one order agree.
  function decide(req: CaptureRequest): CaptureResult {
    validateCaptureRequest(req);
    const fingerprint = fingerprintOf(req);
    const seen = memory.get(req.orderId);
    if (seen !== undefined) {
      if (fingerprintPart(seen) !== fingerprint) {
        throw new PspError('IDEMPOTENCY_CONFLICT', `order ${req.orderId} was already captured with a different request`);
      }
      switch (outcomePart(seen)) {
        case REMEMBERED.randomDecline:
          return randomDecline();
        case REMEMBERED.fromRequest:
          return outcomeOf(req, 0, random);
        case REMEMBERED.failedOnce:
          // The first attempt was a simulated transient failure: this one captures.
          memory.set(req.orderId, remembered(fingerprint, REMEMBERED.fromRequest));
          return captured(req.orderId);
      }
    }
    if (req.paymentToken.startsWith(FLAKY_PREFIX)) {
      memory.set(req.orderId, remembered(fingerprint, REMEMBERED.failedOnce));
      throw new PspError('PSP_UNAVAILABLE', 'simulated transient PSP failure (tok_flaky, first attempt)');
    }
    const result = outcomeOf(req, declineRate, random);
    const declinedAtRandom = result.outcome === 'DECLINED' && result.reasonCode === 'CARD_DECLINED' && isOrdinaryToken(req.paymentToken);
    memory.set(req.orderId, remembered(fingerprint, declinedAtRandom ? REMEMBERED.randomDecline : REMEMBERED.fromRequest));
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

/**
 * What an order's entry says about its outcome. An entry is one number, `fingerprint × 4 + outcome`:
 * a number below 2^53 costs the heap far less than an object with strings.
 */
const REMEMBERED = {
  /** Decided by the request alone (captured, or declined by its token): decided again the same way. */
  fromRequest: 0,
  /** Declined at random (`declineRate`): stays declined. */
  randomDecline: 1,
  /** A `tok_flaky` first attempt failed: nothing captured yet. */
  failedOnce: 2,
} as const;

type Remembered = (typeof REMEMBERED)[keyof typeof REMEMBERED];

/** 48 bits of SHA-256 of what must not change between calls for one order: merchant, amount, currency, token. */
function fingerprintOf(req: CaptureRequest): number {
  // Hex output: a Buffer output costs twice as long (a new allocation per call).
  return parseInt(hash('sha256', JSON.stringify([req.merchantId, req.amountMinor, req.currency, req.paymentToken]), 'hex').slice(0, 12), 16);
}

function remembered(fingerprint: number, outcome: Remembered): number {
  return fingerprint * 4 + outcome;
}

function fingerprintPart(entry: number): number {
  return Math.floor(entry / 4);
}

function outcomePart(entry: number): Remembered {
  return (entry % 4) as Remembered;
}

/** An ordinary token: one whose decline can only have been the random one. */
function isOrdinaryToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && !token.startsWith(DECLINE_PREFIX);
}

function randomDecline(): CaptureResult {
  return { outcome: 'DECLINED', reasonCode: 'CARD_DECLINED', reason: 'The card was declined by the issuer' };
}

function outcomeOf(req: CaptureRequest, declineRate: number, random: () => number): CaptureResult {
  const token = req.paymentToken;
  if (!token.startsWith(TOKEN_PREFIX)) {
    return { outcome: 'DECLINED', reasonCode: 'INVALID_TOKEN', reason: 'The payment token is not valid' };
  }
  if (token.startsWith(DECLINE_PREFIX)) return declineFor(token.slice(DECLINE_PREFIX.length));
  if (declineRate > 0 && random() < declineRate) return randomDecline();
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
  return hash('sha256', `${purpose}:${orderId}`, 'hex');
}

function invalidOption(message: string): PspError {
  return new PspError('PSP_INVALID_OPTIONS', `simulator PSP: ${message}`);
}
