import type { z } from 'zod';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A client's mistake, answered with its status and a message that says what is wrong. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: 400 | 401 | 404 | 405 | 409 | 413 | 415 | 422 | 429,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers (`Retry-After` on a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** zod issues as `{ path: "steps[2].index", message }`, with an optional path prefix. */
export function issueDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: formatPath(prefix, issue.path), message: issue.message }));
}

export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    prefix,
  ) || '(body)';
}

/** "index: Invalid input; type: ..." — the first few details folded into one readable message. */
export function summarize(details: readonly ErrorDetail[], max = 3): string {
  const shown = details.slice(0, max).map((d) => `${d.path}: ${d.message}`).join('; ');
  return details.length > max ? `${shown}; and ${details.length - max} more` : shown;
}
