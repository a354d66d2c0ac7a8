import { LruMap } from '../../caching';

/** Called with an event, or with null when the feed is closing. */
export type FeedListener<T> = (event: T | null) => void;

/**
 * The gateway's in-memory view of a topic it answers callers from (`orders.completed`,
 * `wallet.updates`), indexed by one key of the event (an order id, an action id, a wallet id):
 * - one-shot listeners ({@link listen}, {@link wait}) resolve waiting calls (SubmitOrder, TopUp…);
 *   recent events are remembered (bounded, least recently recorded dropped first) so an event that
 *   arrives before its waiter registers is not missed;
 * - followers ({@link follow}) see every later event of their key (WatchWallet).
 * Events whose key is null are not indexed.
 */
export class EventFeed<T> {
  /** Null when `maxRecent` is 0. */
  private readonly recent: LruMap<string, T> | null;
  private readonly listeners = new Map<string, Set<FeedListener<T>>>();
  private readonly followers = new Map<string, Set<FeedListener<T>>>();
  private closed = false;

  /**
   * @param maxRecent events remembered for late waiters and lookups (0: none, for a feed only
   *   followed)
   * @param keyOf the key an event is indexed by
   */
  constructor(
    maxRecent: number,
    private readonly keyOf: (event: T) => string | null,
  ) {
    this.recent = maxRecent === 0 ? null : new LruMap(maxRecent, false);
  }

  /** Records events from the topic, in topic order, and wakes their listeners and followers. */
  record(events: readonly T[]): void {
    for (const event of events) {
      const key = this.keyOf(event);
      if (key === null) continue;
      this.recent?.set(key, event);
      const waiting = this.listeners.get(key);
      if (waiting !== undefined) {
        this.listeners.delete(key);
        for (const listener of waiting) listener(event);
      }
      const following = this.followers.get(key);
      if (following !== undefined) for (const follower of [...following]) follower(event);
    }
  }

  /** The latest event seen recently for `key`. */
  lookup(key: string): T | undefined {
    return this.recent?.get(key);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One-shot listeners and followers registered now. */
  get waiting(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    for (const set of this.followers.values()) count += set.size;
    return count;
  }

  /**
   * Calls `listener` once: with the event of `key` (at once if one is known already), or with
   * null when the feed closes. Returns a function that unregisters it.
   */
  listen(key: string, listener: FeedListener<T>): () => void {
    const known = this.recent?.get(key);
    if (known !== undefined || this.closed) {
      listener(known ?? null);
      return () => undefined;
    }
    return this.register(this.listeners, key, listener);
  }

  /**
   * Calls `follower` with every event of `key` recorded from now on, and with null when the feed
   * closes (then never again). Returns a function that unregisters it.
   */
  follow(key: string, follower: FeedListener<T>): () => void {
    if (this.closed) {
      follower(null);
      return () => undefined;
    }
    return this.register(this.followers, key, follower);
  }

  /** Resolves with the event of `key`, or null after `timeoutMs` or when the feed closes. */
  wait(key: string, timeoutMs: number): Promise<T | null> {
    return new Promise((resolve) => {
      let unlisten: () => void = () => undefined;
      const timer = setTimeout(() => {
        unlisten();
        resolve(null);
      }, Math.max(0, timeoutMs));
      unlisten = this.listen(key, (event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
  }

  /** Closes the feed: every listener and follower is called with null, later ones at once. */
  close(): void {
    this.closed = true;
    const all = [...this.listeners.values(), ...this.followers.values()];
    this.listeners.clear();
    this.followers.clear();
    for (const set of all) for (const listener of set) listener(null);
  }

  private register(index: Map<string, Set<FeedListener<T>>>, key: string, listener: FeedListener<T>): () => void {
    let set = index.get(key);
    if (set === undefined) {
      set = new Set();
      index.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = index.get(key);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) index.delete(key);
    };
  }
}
