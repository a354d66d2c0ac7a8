/** The outcome of one item of a batch. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface MicroBatcherOptions {
  /** Most items in one batch. */
  maxItems: number;
  /** Longest an item waits for companions before its batch is flushed. */
  maxDelayMs: number;
  /** Most batches being flushed at once; further items queue meanwhile and go in the next batch. */
  maxConcurrent: number;
}

/** Flushes one batch; answers one outcome per item, in item order. Throwing fails every item. */
export type BatchFlush<I, O> = (items: readonly I[]) => Promise<readonly Settled<O>[]>;

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Collects items added by concurrent callers for at most `maxDelayMs` (or until `maxItems` are
 * queued) and flushes them together, so N concurrent requests cost one statement instead of N.
 * Each caller gets its own item's outcome.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly flush: BatchFlush<I, O>,
    private readonly options: MicroBatcherOptions,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxItems) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.maxDelayMs);
    });
  }

  /** Items queued and not yet flushed. */
  get queued(): number {
    return this.queue.length;
  }

  /** Flushes what is queued now and waits until every batch (those in flight included) has settled. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      this.kick();
      await Promise.all([...this.running]);
    }
  }

  private kick(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.running.size < this.options.maxConcurrent) {
      const batch = this.queue.slice(0, this.options.maxItems);
      this.queue = this.queue.slice(batch.length);
      const run = this.run(batch).finally(() => {
        this.running.delete(run);
        // Items that queued while every slot was busy have waited long enough already.
        if (this.queue.length > 0) this.kick();
      });
      this.running.add(run);
    }
  }

  private async run(batch: readonly Pending<I, O>[]): Promise<void> {
    let outcomes: readonly Settled<O>[];
    try {
      outcomes = await this.flush(batch.map((p) => p.item));
      if (outcomes.length !== batch.length) throw new Error(`batch flush answered ${outcomes.length} outcomes for ${batch.length} items`);
    } catch (err) {
      for (const pending of batch) pending.reject(err);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) pending.reject(new Error('batch flush answered no outcome for an item'));
      else if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
