/**
 * Group commit for a processor's batches.
 *
 * A transport hands a subscription one batch per partition, several partitions at once, and holds
 * back a partition's next batch until its current one resolves. Handling each of those batches in
 * its own MySQL transaction makes many small transactions (a few events each at moderate load), and
 * their per-statement cost dominates. The coalescer runs one handler call at a time: batches that
 * arrive while it runs wait, and all of them go into the next call as one merged batch. So a quiet
 * pipeline answers at once, and a busy one makes fewer, fuller transactions without any timer.
 *
 * Per-key order holds: a merged batch holds at most one batch of any partition (the transport does
 * not deliver the next one before this one resolves), each kept in its partition order.
 *
 * When a merged call throws, each batch in it is handled again on its own, so an error reaches only
 * the batch it belongs to and the runner (`streams/delivery.ts`) retries or dead-letters just that.
 * Handlers are effectively once (inbox), so what the failed merged call did is not applied twice.
 */

export type BatchFn<T> = (batch: readonly T[]) => Promise<void>;

export interface BatchCoalescer<T> {
  /** Hands `batch` to the next merged call; resolves or rejects with the outcome of its own messages. */
  handle: BatchFn<T>;
  /** Rejects the batches still waiting (not the one running) with `reason`; later calls are rejected too. */
  abort(reason: Error): void;
}

interface Waiting<T> {
  batch: readonly T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface BatchCoalescerOptions {
  /** A merged call takes whole waiting batches until it holds at least this many messages. */
  maxMessages: number;
  /** Told about a merged call that failed before its batches are handled one by one. */
  onMergedFailure?: (err: unknown, batches: number, messages: number) => void;
}

export function createBatchCoalescer<T>(fn: BatchFn<T>, options: BatchCoalescerOptions): BatchCoalescer<T> {
  if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) {
    throw new RangeError(`maxMessages must be an integer >= 1, got ${options.maxMessages}`);
  }
  const queue: Waiting<T>[] = [];
  let running = false;
  let aborted: Error | null = null;

  async function drain(): Promise<void> {
    // Let batches delivered in the same turn (other partitions woken by one publish) join the first call.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const taken = takeNext();
      if (taken.length === 1) {
        await runAlone(taken[0] as Waiting<T>);
        continue;
      }
      const merged = taken.flatMap((w) => w.batch);
      try {
        await fn(merged);
        for (const w of taken) w.resolve();
      } catch (err) {
        options.onMergedFailure?.(err, taken.length, merged.length);
        for (const w of taken) await runAlone(w);
      }
    }
  }

  function takeNext(): Waiting<T>[] {
    const taken: Waiting<T>[] = [];
    let size = 0;
    while (queue.length > 0 && size < options.maxMessages) {
      const next = queue[0] as Waiting<T>;
      if (taken.length > 0 && size + next.batch.length > options.maxMessages) break;
      queue.shift();
      taken.push(next);
      size += next.batch.length;
    }
    return taken;
  }

  async function runAlone(w: Waiting<T>): Promise<void> {
    try {
      await fn(w.batch);
      w.resolve();
    } catch (err) {
      w.reject(err);
    }
  }

  function start(): void {
    running = true;
    drain()
      .catch((err: unknown) => {
        // drain() settles every waiting batch itself; this only guards against a bug leaving them hanging.
        for (const w of queue.splice(0)) w.reject(err);
      })
      .finally(() => {
        running = false;
        if (queue.length > 0) start();
      });
  }

  return {
    handle: (batch) => {
      if (aborted !== null) return Promise.reject(aborted);
      if (batch.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        if (!running) start();
      });
    },
    abort: (reason) => {
      aborted = reason;
      for (const w of queue.splice(0)) w.reject(reason);
    },
  };
}
