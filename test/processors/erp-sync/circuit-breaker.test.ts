import { createCircuitBreaker, fullJitterBackoffMs, type CircuitState } from '../../../processors/erp-sync';

describe('circuit breaker', () => {
  function breaker(): { b: ReturnType<typeof createCircuitBreaker>; clock: { t: number }; changes: [CircuitState, CircuitState][] } {
    const clock = { t: 1_000 };
    const changes: [CircuitState, CircuitState][] = [];
    const b = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 500, now: () => clock.t, onStateChange: (s, p) => changes.push([s, p]) });
    return { b, clock, changes };
  }

  it('opens after N consecutive failures; a success in between resets the count', () => {
    const { b } = breaker();
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe('CLOSED');
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe('OPEN');
  });

  it('lets no call through while open, then exactly one probe after the cool-down', () => {
    const { b, clock, changes } = breaker();
    for (let i = 0; i < 3; i += 1) b.onFailure();
    expect(b.canAttempt()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    expect(b.msUntilAttempt()).toBe(500);
    clock.t += 499;
    expect(b.tryAcquire()).toBe(false);
    expect(b.msUntilAttempt()).toBe(1);
    clock.t += 1;
    expect(b.canAttempt()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.state()).toBe('HALF_OPEN');
    // The probe is in flight: nobody else goes.
    expect(b.canAttempt()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    b.onSuccess();
    expect(b.state()).toBe('CLOSED');
    expect(changes).toEqual([
      ['OPEN', 'CLOSED'],
      ['HALF_OPEN', 'OPEN'],
      ['CLOSED', 'HALF_OPEN'],
    ]);
  });

  it('opens again for a full cool-down when the probe fails; a released probe frees the slot', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i += 1) b.onFailure();
    clock.t += 500;
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe('OPEN');
    expect(b.msUntilAttempt()).toBe(500);
    clock.t += 500;
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.state()).toBe('HALF_OPEN');
    expect(b.tryAcquire()).toBe(true);
  });
});

describe('full jitter backoff', () => {
  it('draws uniformly within [0, min(max, base·2^(n−1))]', () => {
    expect(fullJitterBackoffMs(1, 100, 10_000, () => 0.999_999)).toBe(100);
    expect(fullJitterBackoffMs(3, 100, 10_000, () => 0.999_999)).toBe(400);
    expect(fullJitterBackoffMs(20, 100, 10_000, () => 0.999_999)).toBe(10_000);
    expect(fullJitterBackoffMs(5, 100, 10_000, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(2, 100, 10_000, () => 0.5)).toBe(100);
    for (let attempt = 1; attempt < 60; attempt += 1) {
      const wait = fullJitterBackoffMs(attempt, 1_000, 300_000);
      expect(Number.isInteger(wait) && wait >= 0 && wait <= 300_000).toBe(true);
    }
  });
});
