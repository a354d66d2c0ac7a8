/**
 * Exponential backoff with full jitter: a uniformly random wait in [0, min(maxMs, baseMs·2^(attempt−1))].
 * Spreads the retries of many records (and many processes) instead of synchronising them.
 */
export function fullJitterBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.floor(random() * (ceiling + 1));
}
