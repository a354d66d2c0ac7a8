import { createBatchCoalescer } from '../../../processors/runtime/batch-coalescer';

/** A handler whose calls stay open until the test lets them finish. */
function gatedHandler(): {
  calls: string[][];
  fn: (batch: readonly string[]) => Promise<void>;
  finish(index: number, error?: Error): void;
  waitForCalls(n: number): Promise<void>;
} {
  const calls: string[][] = [];
  const gates: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    calls,
    fn: (batch) =>
      new Promise<void>((resolve, reject) => {
        calls.push([...batch]);
        gates.push({ resolve, reject });
        for (const w of waiters.filter((x) => calls.length >= x.n)) w.resolve();
      }),
    finish: (index, error) => {
      const gate = gates[index];
      if (gate === undefined) throw new Error(`no call ${index}`);
      if (error === undefined) gate.resolve();
      else gate.reject(error);
    },
    waitForCalls: (n) => (calls.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

describe('batch coalescer', () => {
  it('hands a lone batch over as it is', async () => {
    const seen: string[][] = [];
    const coalescer = createBatchCoalescer<string>(async (batch) => void seen.push([...batch]), { maxMessages: 100 });
    await coalescer.handle(['a1', 'a2']);
    expect(seen).toEqual([['a1', 'a2']]);
  });

  it('merges batches delivered in the same turn into one call', async () => {
    const seen: string[][] = [];
    const coalescer = createBatchCoalescer<string>(async (batch) => void seen.push([...batch]), { maxMessages: 100 });
    await Promise.all([coalescer.handle(['a1', 'a2']), coalescer.handle(['b1']), coalescer.handle(['c1', 'c2'])]);
    expect(seen).toEqual([['a1', 'a2', 'b1', 'c1', 'c2']]);
  });

  it('runs one call at a time and merges what arrived meanwhile, in arrival order', async () => {
    const h = gatedHandler();
    const coalescer = createBatchCoalescer<string>(h.fn, { maxMessages: 100 });
    const first = coalescer.handle(['a1']);
    await h.waitForCalls(1);
    const later = [coalescer.handle(['b1', 'b2']), coalescer.handle(['c1']), coalescer.handle(['d1'])];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.calls).toHaveLength(1);
    h.finish(0);
    await first;
    await h.waitForCalls(2);
    expect(h.calls[1]).toEqual(['b1', 'b2', 'c1', 'd1']);
    h.finish(1);
    await Promise.all(later);
    expect(h.calls).toHaveLength(2);
  });

  it('takes whole batches up to the size limit and leaves the rest for the next call', async () => {
    const seen: string[][] = [];
    const coalescer = createBatchCoalescer<string>(async (batch) => void seen.push([...batch]), { maxMessages: 3 });
    await Promise.all([coalescer.handle(['a1', 'a2']), coalescer.handle(['b1', 'b2']), coalescer.handle(['c1']), coalescer.handle(['d1', 'd2', 'd3', 'd4'])]);
    // a (2) + b (2) would exceed 3: a goes alone; b + c = 3; d is larger than the limit and still goes whole.
    expect(seen).toEqual([['a1', 'a2'], ['b1', 'b2', 'c1'], ['d1', 'd2', 'd3', 'd4']]);
  });

  it('when a merged call fails, handles each batch alone so the error reaches only its own batch', async () => {
    const seen: string[][] = [];
    const poison = new Error('b2 is poison');
    const failures: { batches: number; messages: number }[] = [];
    const coalescer = createBatchCoalescer<string>(
      async (batch) => {
        seen.push([...batch]);
        if (batch.includes('b2')) throw poison;
      },
      { maxMessages: 100, onMergedFailure: (_err, batches, messages) => failures.push({ batches, messages }) },
    );
    const outcomes = await Promise.allSettled([coalescer.handle(['a1']), coalescer.handle(['b1', 'b2']), coalescer.handle(['c1'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(poison);
    expect(seen).toEqual([['a1', 'b1', 'b2', 'c1'], ['a1'], ['b1', 'b2'], ['c1']]);
    expect(failures).toEqual([{ batches: 3, messages: 4 }]);
  });

  it('rejects a lone batch with its own error without a second call', async () => {
    let calls = 0;
    const coalescer = createBatchCoalescer<string>(
      async () => {
        calls += 1;
        throw new Error('down');
      },
      { maxMessages: 100 },
    );
    await expect(coalescer.handle(['a1'])).rejects.toThrow('down');
    expect(calls).toBe(1);
  });

  it('abort rejects the waiting batches and later calls, and lets the running call finish', async () => {
    const h = gatedHandler();
    const coalescer = createBatchCoalescer<string>(h.fn, { maxMessages: 100 });
    const running = coalescer.handle(['a1']);
    await h.waitForCalls(1);
    const waiting = coalescer.handle(['b1']);
    const stopped = new Error('stopped');
    coalescer.abort(stopped);
    await expect(waiting).rejects.toBe(stopped);
    await expect(coalescer.handle(['c1'])).rejects.toBe(stopped);
    h.finish(0);
    await expect(running).resolves.toBeUndefined();
    expect(h.calls).toEqual([['a1']]);
  });

  it('rejects a limit below one', () => {
    expect(() => createBatchCoalescer<string>(async () => undefined, { maxMessages: 0 })).toThrow(RangeError);
  });
});
