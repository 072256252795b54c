/**
 * Webhook retry schedule: the delay before each retry, in seconds. Attempts land at about
 * 0, 5, 25, 85, 265, 565, 1165 and 2065 s: three within the first 30 s, then spaced out, eight in
 * all over more than half an hour before the delivery is recorded failed and the notifier moves
 * the message to the DLQ itself. Attempts are counted in the store, not by SQS's receive count.
 */
export const DEFAULT_RETRY_DELAYS_SECONDS: readonly number[] = [5, 20, 60, 180, 300, 600, 900];

export const WEBHOOK_MAX_ATTEMPTS = DEFAULT_RETRY_DELAYS_SECONDS.length + 1;

/**
 * Receives of one notification beyond its webhook attempts that Wink's own failures (a store
 * error, a crashed invocation) may use before SQS dead-letters it: they never cost an attempt.
 */
export const NOTIFIER_OWN_FAILURE_RECEIVES = 5;

/** The notifications queue's maxReceiveCount for a retry schedule. */
export function notificationsMaxReceiveCount(retryDelays: readonly number[]): number {
  return retryDelays.length + 1 + NOTIFIER_OWN_FAILURE_RECEIVES;
}

/** Delay before the attempt after `attempt` (1-based), or null when no attempts are left. */
export function retryDelayAfter(attempt: number, delays: readonly number[] = DEFAULT_RETRY_DELAYS_SECONDS): number | null {
  return attempt >= 1 && attempt <= delays.length ? delays[attempt - 1]! : null;
}

/** Network errors, timeouts, 429 and 5xx are worth retrying; other 4xx are the receiver's final word. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}
