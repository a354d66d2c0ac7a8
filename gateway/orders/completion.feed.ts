import type { OrderCompleted } from '../../schemas';

/** Called with the order's completion, or null when the feed is closing. */
export type CompletionListener = (completion: OrderCompleted | null) => void;

/**
 * The gateway's view of `orders.completed`: resolves in-memory waiters (SubmitOrder calls,
 * WatchOrder streams) by order id, and remembers recent completions (bounded, least recently
 * recorded dropped first) so a completion that arrives before its waiter registers is not missed.
 */
export class CompletionFeed {
  private readonly recent = new Map<string, OrderCompleted>();
  private readonly listeners = new Map<string, Set<CompletionListener>>();
  private closed = false;

  constructor(private readonly maxRecent: number) {}

  /** Records completions from the topic and wakes their listeners. */
  record(completions: readonly OrderCompleted[]): void {
    for (const completion of completions) {
      this.recent.delete(completion.orderId);
      this.recent.set(completion.orderId, completion);
      if (this.recent.size > this.maxRecent) {
        const oldest = this.recent.keys().next();
        if (oldest.done !== true) this.recent.delete(oldest.value);
      }
      const waiting = this.listeners.get(completion.orderId);
      if (waiting === undefined) continue;
      this.listeners.delete(completion.orderId);
      for (const listener of waiting) listener(completion);
    }
  }

  /** A completion seen recently, for `orderId`. */
  lookup(orderId: string): OrderCompleted | undefined {
    return this.recent.get(orderId);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Listeners registered now. */
  get waiting(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  /**
   * Calls `listener` once: with the completion of `orderId` (at once if it is known already), or
   * with null when the feed closes. Returns a function that unregisters it.
   */
  listen(orderId: string, listener: CompletionListener): () => void {
    const known = this.recent.get(orderId);
    if (known !== undefined || this.closed) {
      listener(known ?? null);
      return () => undefined;
    }
    let set = this.listeners.get(orderId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(orderId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(orderId);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(orderId);
    };
  }

  /** Resolves with the completion, or null after `timeoutMs` or when the feed closes. */
  wait(orderId: string, timeoutMs: number): Promise<OrderCompleted | null> {
    return new Promise((resolve) => {
      let unlisten: () => void = () => undefined;
      const timer = setTimeout(() => {
        unlisten();
        resolve(null);
      }, Math.max(0, timeoutMs));
      unlisten = this.listen(orderId, (completion) => {
        clearTimeout(timer);
        resolve(completion);
      });
    });
  }

  /** Closes the feed: every listener is called with null, later ones at once. */
  close(): void {
    this.closed = true;
    const all = [...this.listeners.values()];
    this.listeners.clear();
    for (const set of all) for (const listener of set) listener(null);
  }
}
