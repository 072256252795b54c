export interface BackoffOptions {
  /** First retry waits up to this long (default 200 ms); each further retry doubles the cap. */
  baseDelayMs: number;
  /** The cap never exceeds this (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 200, maxDelayMs: 30_000 };

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay, plus a random part of
 * the other half. Many agents retrying after the same outage spread out, and none retries at once.
 * A server's Retry-After is respected as a floor.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number, retryAfterMs?: number): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const delay = cap / 2 + random() * (cap / 2);
  return Math.max(delay, retryAfterMs ?? 0);
}
