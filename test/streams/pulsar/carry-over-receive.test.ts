import { CarryOverReceive } from '../../../streams/pulsar/carry-over-receive';
import { deferred } from '../helpers';

/** A source whose receives the test settles one by one. */
function source(): { calls: number; next: ReturnType<typeof deferred<string>>[]; receive(): Promise<string>; fail(error: Error): void } {
  const state = {
    calls: 0,
    next: [] as ReturnType<typeof deferred<string>>[],
    rejecters: [] as ((error: Error) => void)[],
    receive(): Promise<string> {
      state.calls += 1;
      const pending = deferred<string>();
      state.next.push(pending);
      return new Promise<string>((resolve, reject) => {
        state.rejecters.push(reject);
        void pending.promise.then(resolve);
      });
    },
    fail(error: Error): void {
      state.rejecters.shift()?.(error);
    },
  };
  return state;
}

describe('CarryOverReceive', () => {
  it('times out with null and picks the same pending receive up on the next call', async () => {
    const src = source();
    const receiver = new CarryOverReceive(() => src.receive());
    expect(await receiver.next(10)).toBeNull();
    expect(await receiver.next(10)).toBeNull();
    expect(src.calls).toBe(1);
    const waiting = receiver.next(1_000);
    src.next[0]?.resolve('m1');
    expect(await waiting).toBe('m1');
    expect(src.calls).toBe(1);
  });

  it('keeps a value that arrives while nobody waits for the next call', async () => {
    const src = source();
    const receiver = new CarryOverReceive(() => src.receive());
    expect(await receiver.next(5)).toBeNull();
    src.next[0]?.resolve('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await receiver.next(5)).toBe('late');
    // Then a fresh receive starts.
    expect(await receiver.next(5)).toBeNull();
    expect(src.calls).toBe(2);
  });

  it('passes a failure to the waiting call, or keeps it for the next one (never an unhandled rejection)', async () => {
    const src = source();
    const receiver = new CarryOverReceive(() => src.receive());
    const waiting = receiver.next(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    src.fail(new Error('AlreadyClosed'));
    await expect(waiting).rejects.toThrow('AlreadyClosed');

    expect(await receiver.next(5)).toBeNull();
    src.fail(new Error('ConnectError'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(receiver.next(5)).rejects.toThrow('ConnectError');
  });

  it('refuses a second call while one waits', async () => {
    const src = source();
    const receiver = new CarryOverReceive(() => src.receive());
    const first = receiver.next(30);
    await expect(receiver.next(30)).rejects.toThrow('already waiting');
    expect(await first).toBeNull();
  });
});
