/**
 * Per-key request and per-tenant session-creation limits, as fixed one-minute windows counted in
 * the table (README "Limits"). API Gateway's stage throttling (infra/constructs/ingestApi.ts) caps
 * the whole API in front of this; these caps keep one key or tenant from using all of it.
 */
export interface RateLimits {
  /** Requests per key per window, every authenticated route. 0 turns the limit off. */
  requestsPerKey: number;
  /** POST /v1/sessions per tenant per window. 0 turns the limit off. */
  sessionsPerTenant: number;
}

export const RATE_WINDOW_SECONDS = 60;

/** Generous: 100 requests a second per key on average, 10 new sessions a second per tenant. */
export const DEFAULT_RATE_LIMITS: RateLimits = { requestsPerKey: 6000, sessionsPerTenant: 600 };

/** One counter in one window: what the storage adapter increments. */
export interface WindowSlot {
  scope: 'requests' | 'sessions';
  id: string;
  windowStartSeconds: number;
  limit: number;
  /** Epoch seconds after which the counter is dead weight (DynamoDB TTL). */
  expiresAtSeconds: number;
}

export interface WindowCounter {
  /** Adds one to the slot's counter if it is below its limit; false when the limit is reached. */
  incrementBelow(slot: WindowSlot): Promise<boolean>;
}

/** The caller has used its window's allowance; it may try again after `retryAfterSeconds`. */
export class RateLimitExceededError extends Error {
  override readonly name = 'RateLimitExceededError';
  constructor(readonly scope: WindowSlot['scope'], readonly limit: number, readonly retryAfterSeconds: number) {
    super(scope === 'requests'
      ? `Rate limit reached: at most ${limit} requests per ${RATE_WINDOW_SECONDS} s per API key; retry after ${retryAfterSeconds} s`
      : `Rate limit reached: at most ${limit} new sessions per ${RATE_WINDOW_SECONDS} s per tenant; retry after ${retryAfterSeconds} s`);
  }
}

/** Start of the window holding `nowMs`, and whole seconds until the next one (at least 1). */
export function windowAt(nowMs: number): { windowStartSeconds: number; retryAfterSeconds: number } {
  const windowStartSeconds = Math.floor(nowMs / 1000 / RATE_WINDOW_SECONDS) * RATE_WINDOW_SECONDS;
  const retryAfterSeconds = Math.max(1, Math.ceil(windowStartSeconds + RATE_WINDOW_SECONDS - nowMs / 1000));
  return { windowStartSeconds, retryAfterSeconds };
}

export class RateLimiter {
  constructor(
    private readonly counter: WindowCounter,
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = Date.now,
    /**
     * The counter could not be read or written (throttling, an outage): the request goes through
     * and this hears about it. Limits protect capacity; failing closed would turn a DynamoDB hiccup
     * into an outage of every key.
     */
    private readonly onCounterError: (error: unknown) => void = () => undefined,
  ) {}

  /** Counts one request of the key; throws RateLimitExceededError past the limit. */
  takeRequest(keyId: string): Promise<void> {
    return this.take('requests', keyId, this.limits.requestsPerKey);
  }

  /** Counts one session creation of the tenant; throws RateLimitExceededError past the limit. */
  takeSessionCreation(ownerId: string): Promise<void> {
    return this.take('sessions', ownerId, this.limits.sessionsPerTenant);
  }

  private async take(scope: WindowSlot['scope'], id: string, limit: number): Promise<void> {
    if (limit <= 0) return;
    const { windowStartSeconds, retryAfterSeconds } = windowAt(this.now());
    // Kept a window past its end, so a clock a little behind still finds it.
    const expiresAtSeconds = windowStartSeconds + 2 * RATE_WINDOW_SECONDS;
    let allowed: boolean;
    try {
      allowed = await this.counter.incrementBelow({ scope, id, windowStartSeconds, limit, expiresAtSeconds });
    } catch (error) {
      this.onCounterError(error);
      return;
    }
    if (!allowed) throw new RateLimitExceededError(scope, limit, retryAfterSeconds);
  }
}
