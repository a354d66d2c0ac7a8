/** The error `promise` rejects with, checked by `isExpected` (a module's type guard); fails the test otherwise. */
export async function rejectionOf<E>(promise: Promise<unknown>, isExpected: (err: unknown) => err is E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (isExpected(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

/** The error `fn` throws, checked by `isExpected`; fails the test otherwise. */
export function thrownBy<E>(fn: () => unknown, isExpected: (err: unknown) => err is E): E {
  try {
    fn();
  } catch (err) {
    if (isExpected(err)) return err;
    throw err;
  }
  throw new Error('expected a throw');
}
