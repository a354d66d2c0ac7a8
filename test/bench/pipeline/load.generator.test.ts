import { performance } from 'node:perf_hooks';
import { runLoad, type CallOutcome } from '../../../bench/pipeline/load.generator';

describe('runLoad', () => {
  it('open loop sends rate × duration calls and records every answer and error', async () => {
    const outcome = (seq: number): CallOutcome =>
      seq % 10 === 9 ? { kind: 'error', code: 'UNAVAILABLE', detail: `down ${seq}` } : { kind: 'answer', id: `o${seq}`, status: seq % 10 === 8 ? 'F' : 'C', amountMinor: seq % 10 === 8 ? 0 : 100, tag: 'O' };
    const m = await runLoad({
      name: 'open',
      load: { kind: 'open', ratePerSecond: 1000 },
      durationMs: 50,
      maxInFlight: 1000,
      overloadCutoffMs: 60_000,
      now: () => performance.now(),
      progressEveryMs: 1000,
      onProgress: () => undefined,
      submit: (seq) => ({ merchant: seq % 3, outcome: Promise.resolve(outcome(seq)) }),
    });
    expect(m.sent).toBe(50);
    expect(m.answered).toBe(45);
    expect(m.completed).toBe(40);
    expect(m.failed).toBe(5);
    expect(m.errors).toEqual({ UNAVAILABLE: 5 });
    expect(m.errorSamples).toEqual({ UNAVAILABLE: 'down 9' });
    expect(m.latency.count).toBe(45);
    expect(m.latency.min).toBeGreaterThanOrEqual(0);
    expect(m.accepted.ids).toHaveLength(45);
    expect(m.accepted.statuses).toHaveLength(45);
    expect(m.accepted.statuses.replace(/C/g, '')).toBe('FFFFF');
    expect(m.accepted.tags).toBe('O'.repeat(45));
    expect(m.accepted.merchants).toEqual(m.accepted.ids.map((id) => Number(id.slice(1)) % 3));
    expect(m.accepted.amounts.filter((n) => n === 100)).toHaveLength(40);
  });

  it('closed loop never has more calls in flight than its concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    const m = await runLoad({
      name: 'closed',
      load: { kind: 'closed', concurrency: 4 },
      durationMs: 30,
      maxInFlight: 1000,
      overloadCutoffMs: 60_000,
      now: () => performance.now(),
      progressEveryMs: 1000,
      onProgress: () => undefined,
      submit: (seq) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        return {
          merchant: 0,
          outcome: new Promise<CallOutcome>((resolve) =>
            setImmediate(() => {
              inFlight -= 1;
              resolve({ kind: 'answer', id: `a${seq}`, status: 'H', amountMinor: 1, tag: 'T' });
            }),
          ),
        };
      },
    });
    expect(most).toBeLessThanOrEqual(4);
    expect(m.sent).toBe(m.answered);
    expect(m.sent).toBeGreaterThan(0);
    expect(new Set(m.accepted.ids).size).toBe(m.answered);
    // A HELD action counts as completed.
    expect(m.completed).toBe(m.answered);
  });

  it('open loop gives up on an overloaded target and counts the rest as not sent', async () => {
    const pending: (() => void)[] = [];
    const run = runLoad({
      name: 'overload',
      load: { kind: 'open', ratePerSecond: 1000 },
      durationMs: 100,
      maxInFlight: 1000,
      // 1,000/s × 10 ms: more than 10 calls in flight is overload.
      overloadCutoffMs: 10,
      now: () => performance.now(),
      progressEveryMs: 1000,
      onProgress: () => undefined,
      submit: (seq) => ({
        merchant: 0,
        outcome: new Promise<CallOutcome>((resolve) => pending.push(() => resolve({ kind: 'answer', id: `o${seq}`, status: 'C', amountMinor: 1, tag: 'O' }))),
      }),
    });
    // Nothing is answered until the generator has stopped sending.
    while (pending.length <= 10) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const answer of pending) answer();
    const m = await run;
    expect(m.sent).toBe(11);
    expect(m.abandoned).toBe(89);
    expect(m.answered).toBe(11);
  });

  it('refuses a shape it cannot run', async () => {
    const base = { name: 'x', durationMs: 10, maxInFlight: 1, overloadCutoffMs: 1000, now: () => performance.now(), progressEveryMs: 1000, onProgress: () => undefined, submit: () => ({ merchant: 0, outcome: Promise.resolve<CallOutcome>({ kind: 'error', code: 'X' }) }) };
    await expect(runLoad({ ...base, load: { kind: 'closed', concurrency: 0 } })).rejects.toThrow(RangeError);
    await expect(runLoad({ ...base, load: { kind: 'open', ratePerSecond: 0 } })).rejects.toThrow(RangeError);
  });
});
