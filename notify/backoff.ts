// Exponential backoff for failed deliveries: initial · 2^(attempt−1), capped, with up to 10 %
// jitter so receivers that failed together do not retry together.
/** The delay before the next attempt after `attempts` failed ones. */
export function retryDelay(
  attempts: number,
  policy: { initialDelay: number; maxDelay: number },
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelay, policy.initialDelay * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 + 0.1 * random()));
}
