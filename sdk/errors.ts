/** What went wrong talking to Wink. The SDK reports these to `onError`; it never throws them into the agent loop. */
export class WinkError extends Error {
  override readonly name: string = 'WinkError';
}

/** Wink answered with an error status (or not at all: `status` undefined means a network error or timeout). */
export class WinkHttpError extends WinkError {
  override readonly name = 'WinkHttpError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** Worth retrying: network errors, timeouts, 408, 429 and 5xx. */
    readonly retryable: boolean,
    readonly code?: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A step the server would refuse (schema or size); it is not buffered, so it never blocks the others. */
export class WinkStepError extends WinkError {
  override readonly name = 'WinkStepError';
}

/** Steps were dropped: Wink was unreachable for so long that the bounded buffer overflowed. */
export class WinkBufferOverflowError extends WinkError {
  override readonly name = 'WinkBufferOverflowError';
  constructor(readonly droppedTotal: number) {
    super(`Wink has been unreachable long enough that ${droppedTotal} unsent step(s) were dropped (oldest first) to bound memory`);
  }
}
