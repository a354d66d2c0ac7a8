import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createSimulatorPsp, isPspError, PspError, type CaptureRequest, type PspClock } from '../../../integrations/psp';
import { rejectionOf, thrownBy } from '../errors.helper';

function request(overrides: Partial<CaptureRequest> = {}): CaptureRequest {
  return {
    orderId: `ord_${randomUUID()}`,
    merchantId: 'mer_1',
    amountMinor: 1999,
    currency: 'EUR',
    paymentToken: 'tok_visa',
    ...overrides,
  };
}

/** Random numbers from a fixed list, counting how many were drawn. */
function scriptedRandom(values: readonly number[]): { random: () => number; draws: () => number } {
  let next = 0;
  return {
    random: () => {
      const value = values[next];
      if (value === undefined) throw new Error('scripted random exhausted');
      next += 1;
      return value;
    },
    draws: () => next,
  };
}

function captureError(promise: Promise<unknown>): Promise<PspError> {
  return rejectionOf(promise, isPspError);
}

describe('simulator PSP', () => {
  it('captures an ordinary tok_ token with a payment id derived from the order id', async () => {
    const req = request();
    const result = await createSimulatorPsp().capture(req);
    if (result.outcome !== 'CAPTURED') throw new Error(`expected a capture, got ${JSON.stringify(result)}`);
    expect(result.paymentId).toMatch(/^pay_[0-9a-f]{24}$/);
    expect(result.pspReference).toMatch(/^sim_[0-9a-f]{16}$/);
    // Another instance (a restarted process) derives the same ids, so retries agree.
    expect(await createSimulatorPsp().capture(req)).toEqual(result);
    const other = await createSimulatorPsp().capture(request());
    expect(other).toMatchObject({ outcome: 'CAPTURED' });
    expect(other).not.toMatchObject({ paymentId: result.paymentId });
  });

  it.each([
    ['tok_decline_insufficient_funds', 'INSUFFICIENT_FUNDS', 'Insufficient funds'],
    ['tok_decline_expired_card', 'EXPIRED_CARD', 'Expired card'],
    ['tok_decline', 'CARD_DECLINED', 'The card was declined by the issuer'],
    ['tok_declined', 'CARD_DECLINED', 'The card was declined by the issuer'],
  ])('declines %s with %s', async (paymentToken, reasonCode, reason) => {
    const result = await createSimulatorPsp().capture(request({ paymentToken }));
    expect(result).toEqual({ outcome: 'DECLINED', reasonCode, reason });
  });

  it.each(['4111111111111111', '', 'TOK_visa'])('declines the token %j as INVALID_TOKEN', async (paymentToken) => {
    const result = await createSimulatorPsp().capture(request({ paymentToken }));
    expect(result).toMatchObject({ outcome: 'DECLINED', reasonCode: 'INVALID_TOKEN' });
  });

  it('fails tok_flaky transiently on the first attempt per order, then captures', async () => {
    const psp = createSimulatorPsp();
    const req = request({ paymentToken: 'tok_flaky' });
    const first = await captureError(psp.capture(req));
    expect(first).toBeInstanceOf(PspError);
    expect(first.code).toBe('PSP_UNAVAILABLE');
    expect(first.retryable).toBe(true);
    const second = await psp.capture(req);
    expect(second.outcome).toBe('CAPTURED');
    expect(await psp.capture(req)).toEqual(second);
    // Another order with the same token fails its own first attempt.
    expect((await captureError(psp.capture(request({ paymentToken: 'tok_flaky' })))).code).toBe('PSP_UNAVAILABLE');
  });

  it('answers the same order id with the same result, and a changed request with IDEMPOTENCY_CONFLICT', async () => {
    const { random } = scriptedRandom([0.1]);
    const psp = createSimulatorPsp({ declineRate: 0.5, random });
    const req = request();
    const first = await psp.capture(req);
    expect(first).toMatchObject({ outcome: 'DECLINED', reasonCode: 'CARD_DECLINED' });
    // The decline is remembered: no second draw (the scripted random would throw).
    expect(await psp.capture({ ...req })).toEqual(first);

    for (const change of [{ amountMinor: 2000 }, { currency: 'USD' }, { merchantId: 'mer_2' }, { paymentToken: 'tok_other' }]) {
      const err = await captureError(psp.capture({ ...req, ...change }));
      expect(err.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(err.retryable).toBe(false);
    }
    // The conflict did not overwrite the remembered outcome.
    expect(await psp.capture(req)).toEqual(first);
  });

  it('answers a repeated capture and a repeated token decline as the first time, without drawing again', async () => {
    const scripted = scriptedRandom([0.9]);
    const psp = createSimulatorPsp({ declineRate: 0.5, random: scripted.random });
    const captured = request();
    const declined = request({ paymentToken: 'tok_decline_insufficient_funds' });
    const first = [await psp.capture(captured), await psp.capture(declined)];
    expect(first[0]?.outcome).toBe('CAPTURED');
    expect(first[1]).toEqual({ outcome: 'DECLINED', reasonCode: 'INSUFFICIENT_FUNDS', reason: 'Insufficient funds' });
    expect([await psp.capture({ ...captured }), await psp.capture({ ...declined })]).toEqual(first);
    expect(scripted.draws()).toBe(1);
  });

  it('rejects a changed request after a flaky first attempt too', async () => {
    const psp = createSimulatorPsp();
    const req = request({ paymentToken: 'tok_flaky' });
    await captureError(psp.capture(req));
    expect((await captureError(psp.capture({ ...req, amountMinor: 1 }))).code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await psp.capture(req)).outcome).toBe('CAPTURED');
  });

  it('declines ordinary tokens at the decline rate, drawing once per new order', async () => {
    const scripted = scriptedRandom([0.05, 0.5, 0.29, 0.3]);
    const psp = createSimulatorPsp({ declineRate: 0.3, random: scripted.random });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) outcomes.push((await psp.capture(request())).outcome);
    expect(outcomes).toEqual(['DECLINED', 'CAPTURED', 'DECLINED', 'CAPTURED']);
    // Decline, flaky and invalid tokens do not draw.
    await psp.capture(request({ paymentToken: 'tok_decline' }));
    await psp.capture(request({ paymentToken: 'card' }));
    await captureError(psp.capture(request({ paymentToken: 'tok_flaky' })));
    expect(scripted.draws()).toBe(4);
  });

  it('never declines at rate 0 and always at rate 1', async () => {
    const never = createSimulatorPsp({ declineRate: 0, random: () => 0 });
    const always = createSimulatorPsp({ declineRate: 1, random: () => 0.999_999 });
    expect((await never.capture(request())).outcome).toBe('CAPTURED');
    expect((await always.capture(request())).outcome).toBe('DECLINED');
  });

  it('waits the configured latency on its clock before answering, errors included', async () => {
    const sleeps: number[] = [];
    let wake: () => void = () => undefined;
    const clock: PspClock = {
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
    };
    const psp = createSimulatorPsp({ latencyMs: 250, clock });
    let settled = false;
    const pending = psp.capture(request()).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sleeps).toEqual([250]);
    expect(settled).toBe(false);
    wake();
    expect((await pending).outcome).toBe('CAPTURED');

    const failing = captureError(psp.capture(request({ paymentToken: 'tok_flaky' })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sleeps).toEqual([250, 250]);
    wake();
    expect((await failing).code).toBe('PSP_UNAVAILABLE');
  });

  it('really takes at least the latency with the default clock', async () => {
    const psp = createSimulatorPsp({ latencyMs: 30 });
    const started = performance.now();
    await psp.capture(request());
    // Timers may fire up to a millisecond early against the high-resolution clock.
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('forgets the least recently used orders beyond its idempotency capacity', async () => {
    const psp = createSimulatorPsp({ idempotencyCapacity: 2 });
    const a = request();
    const b = request();
    const c = request();
    await psp.capture(a);
    await psp.capture(b);
    await psp.capture(a); // a is now more recent than b
    await psp.capture(c); // evicts b
    expect((await captureError(psp.capture({ ...a, amountMinor: 1 }))).code).toBe('IDEMPOTENCY_CONFLICT');
    // b was forgotten: a changed request is a new capture (same deterministic payment id).
    const again = await psp.capture({ ...b, amountMinor: 1 });
    expect(again.outcome).toBe('CAPTURED');
  });

  it.each([
    [{ amountMinor: 12.5 }],
    [{ amountMinor: 0 }],
    [{ amountMinor: -100 }],
    [{ currency: 'eur' }],
    [{ orderId: '' }],
  ])('refuses the malformed request %j without an outcome', async (change) => {
    const err = await captureError(createSimulatorPsp().capture(request(change)));
    expect(err.code).toBe('PSP_INVALID_REQUEST');
    expect(err.retryable).toBe(false);
  });

  it.each([[{ declineRate: 1.5 }], [{ declineRate: Number.NaN }], [{ latencyMs: -1 }], [{ idempotencyCapacity: 0 }]])(
    'refuses the options %j',
    (options) => {
      const err = thrownBy(() => createSimulatorPsp(options), isPspError);
      expect(err.code).toBe('PSP_INVALID_OPTIONS');
      expect(err.retryable).toBe(false);
    },
  );
});
