type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A receive with a timeout over a source that has only an unbounded, uncancellable receive (the client's
 * `receive()` without a timeout; its timed variant blocks a libuv worker thread per call and reports a
 * timeout as an error). When a wait times out the source's receive stays pending, and the next call
 * picks up that same receive, so no message is ever taken from the source and dropped.
 *
 * One caller at a time: a second call while one waits is refused.
 */
export class CarryOverReceive<T> {
  /** Set while the source's receive is pending. */
  private receiving = false;
  /** What the source delivered while nobody waited; the next call takes it. */
  private settled: Outcome<T> | null = null;
  private waiter: ((outcome: Outcome<T>) => void) | null = null;

  constructor(private readonly receiveOne: () => Promise<T>) {}

  /** The next value, or `null` when none arrived within `timeoutMs`; rejects with the source's error. */
  next(timeoutMs: number): Promise<T | null> {
    if (this.waiter !== null) return Promise.reject(new Error('CarryOverReceive.next: a receive is already waiting'));
    const ready = this.settled;
    if (ready !== null) {
      this.settled = null;
      return ready.ok ? Promise.resolve(ready.value) : Promise.reject(toError(ready.error));
    }
    if (!this.receiving) {
      this.receiving = true;
      // One reaction per source receive, however many waits time out on it (no growing chain of handlers),
      // and a failure while nobody waits is kept, never an unhandled rejection.
      void Promise.resolve()
        .then(() => this.receiveOne())
        .then(
          (value) => this.settle({ ok: true, value }),
          (error: unknown) => this.settle({ ok: false, error }),
        );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (outcome) => {
        clearTimeout(timer);
        this.waiter = null;
        if (outcome.ok) resolve(outcome.value);
        else reject(toError(outcome.error));
      };
    });
  }

  private settle(outcome: Outcome<T>): void {
    this.receiving = false;
    if (this.waiter === null) this.settled = outcome;
    else this.waiter(outcome);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
