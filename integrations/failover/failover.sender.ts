/** What email and SMS senders have in common: a provider name and a send that returns a receipt. */
export interface Sender<M, R> {
  readonly provider: string;
  send(message: M): Promise<R>;
}

/**
 * A sender that tries `primary` and, when it throws a retryable error (down, timing out, rate limited,
 * 4xx), hands the message to `secondary`. A non-retryable error of the primary (a 550 mailbox, an invalid
 * number) is thrown as it is: the message is at fault and another provider would not help. When the
 * secondary fails too, its error is thrown (so `retryable` reflects the last attempt). The receipt names
 * the provider that delivered. Closing the two senders stays with whoever made them.
 */
export function createFailoverSender<M, R>(primary: Sender<M, R>, secondary: Sender<M, R>): Sender<M, R> {
  return {
    provider: `failover(${primary.provider}, ${secondary.provider})`,
    async send(message) {
      try {
        return await primary.send(message);
      } catch (err) {
        if (!isRetryable(err)) throw err;
        return secondary.send(message);
      }
    },
  };
}

/** The runner's rule: only an error carrying `retryable: false` is final. */
function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === false);
}
