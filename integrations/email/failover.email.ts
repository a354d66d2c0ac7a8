import type { EmailSender } from './types';

/**
 * An email sender that tries `primary` and, when it throws a retryable error (down, timing out, 4xx),
 * hands the message to `secondary`. A non-retryable error of the primary (e.g. 550 mailbox unavailable)
 * is thrown as it is: the message itself is at fault, another provider would not help. When the secondary
 * fails too, its error is thrown (so `retryable` reflects the last attempt). The receipt's `provider` names
 * the sender that delivered. Closing the two senders stays with whoever made them.
 */
export function createFailoverEmailSender(primary: EmailSender, secondary: EmailSender): EmailSender {
  return {
    provider: `failover(${primary.provider}, ${secondary.provider})`,
    async send(msg) {
      try {
        return await primary.send(msg);
      } catch (err) {
        if (!isRetryable(err)) throw err;
        return secondary.send(msg);
      }
    },
  };
}

/** The runner's rule: only an error carrying `retryable: false` is final. */
function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === false);
}
