/** CLOSED: calls flow. OPEN: no calls until the cool-down ends. HALF_OPEN: one probe call decides. */
export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is let through. */
  cooldownMs: number;
  /** Current time, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Told of every state change (logs, metrics). */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
}

/**
 * A circuit breaker around one remote system, shared by every caller of it in the process. Callers ask
 * {@link CircuitBreaker.tryAcquire} before each call and report the result with `onSuccess` /
 * `onFailure` (only failures that say the system is unwell count: transient ones).
 */
export interface CircuitBreaker {
  state(): CircuitState;
  /** Whether a call could be made now (without taking the half-open probe). */
  canAttempt(): boolean;
  /** Takes permission for one call: always while CLOSED; the single probe once the cool-down is over. */
  tryAcquire(): boolean;
  onSuccess(): void;
  onFailure(): void;
  /** Gives back a permit whose call was never made (e.g. refused before sending): the probe is free again. */
  release(): void;
  /** How long until a call may be attempted (0 when it may now). */
  msUntilAttempt(): number;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: CircuitState = 'CLOSED';
  let failures = 0;
  let openedAt = 0;
  let probeInFlight = false;

  function move(next: CircuitState): void {
    if (next === state) return;
    const previous = state;
    state = next;
    options.onStateChange?.(next, previous);
  }

  function cooledDown(): boolean {
    return now() - openedAt >= options.cooldownMs;
  }

  function open(): void {
    openedAt = now();
    probeInFlight = false;
    move('OPEN');
  }

  return {
    state: () => state,
    canAttempt() {
      if (state === 'CLOSED') return true;
      if (state === 'OPEN') return cooledDown();
      return !probeInFlight;
    },
    tryAcquire() {
      if (state === 'CLOSED') return true;
      if (state === 'OPEN') {
        if (!cooledDown()) return false;
        move('HALF_OPEN');
      }
      if (probeInFlight) return false;
      probeInFlight = true;
      return true;
    },
    onSuccess() {
      failures = 0;
      probeInFlight = false;
      move('CLOSED');
    },
    onFailure() {
      if (state === 'HALF_OPEN') {
        open();
        return;
      }
      failures += 1;
      if (state === 'CLOSED' && failures >= options.failureThreshold) open();
    },
    release() {
      probeInFlight = false;
    },
    msUntilAttempt() {
      if (state !== 'OPEN') return 0;
      return Math.max(0, options.cooldownMs - (now() - openedAt));
    },
  };
}
