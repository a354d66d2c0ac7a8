/** The least time kept back before a client's deadline to answer PENDING in. */
export const MIN_DEADLINE_MARGIN_MS = 50;

/**
 * How long a call that waits for a downstream outcome (SubmitOrder, TopUp, Use, Transfer, Void)
 * may wait before answering PENDING: until `max(50 ms, 10 %)` of the remaining time before the
 * client's deadline (epoch ms; Infinity for none), and at most `maxWaitMs`.
 */
export function submitWaitMs(deadline: number, now: number, maxWaitMs: number): number {
  if (!Number.isFinite(deadline)) return maxWaitMs;
  const remaining = deadline - now;
  const margin = Math.max(MIN_DEADLINE_MARGIN_MS, remaining * 0.1);
  return Math.max(0, Math.min(maxWaitMs, remaining - margin));
}
