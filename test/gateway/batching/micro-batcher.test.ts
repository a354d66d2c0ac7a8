import type { Settled } from '../../../gateway/batching/micro-batcher';
import { MicroBatcher } from '../../../gateway/batching/micro-batcher';

function recordingBatcher(options: { maxItems: number; maxDelayMs: number; maxConcurrent: number }) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>((items) => {
    batches.push([...items]);
    return Promise.resolve(items.map((n): Settled<number> => (n < 0 ? { ok: false, error: new Error(`negative ${n}`) } : { ok: true, value: n * 10 })));
  }, options);
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('collects concurrent items into one batch and answers each its own outcome', async () => {
    const { batcher, batches } = recordingBatcher({ maxItems: 100, maxDelayMs: 5, maxConcurrent: 1 });
    const results = await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes at maxItems without waiting for the delay', async () => {
    const { batcher, batches } = recordingBatcher({ maxItems: 2, maxDelayMs: 60_000, maxConcurrent: 4 });
    await Promise.all([batcher.add(1), batcher.add(2)]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('rejects only the failed item', async () => {
    const { batcher } = recordingBatcher({ maxItems: 10, maxDelayMs: 1, maxConcurrent: 1 });
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(-1), batcher.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects every item when the flush throws', async () => {
    const batcher = new MicroBatcher<number, number>(() => Promise.reject(new Error('db down')), { maxItems: 10, maxDelayMs: 1, maxConcurrent: 1 });
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('db down') },
      { status: 'rejected', reason: new Error('db down') },
    ]);
  });

  it('queues items while every slot is busy and sends them in the next batch', async () => {
    const releases: (() => void)[] = [];
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        batches.push([...items]);
        return new Promise((resolve) => releases.push(() => resolve(items.map((n) => ({ ok: true, value: n })))));
      },
      { maxItems: 2, maxDelayMs: 1, maxConcurrent: 1 },
    );
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[1, 2]]);
    while (batches.length < 3 || releases.length > 0) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await all).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('drain flushes queued items at once and waits for them', async () => {
    const { batcher, batches } = recordingBatcher({ maxItems: 100, maxDelayMs: 60_000, maxConcurrent: 1 });
    const pending = batcher.add(7);
    expect(batcher.queued).toBe(1);
    await batcher.drain();
    expect(batches).toEqual([[7]]);
    await expect(pending).resolves.toBe(70);
  });
});
