import { ApiError, issueDetails, summarize } from '../api/apiError.ts';
import { EndSessionSchema, type SessionEnd } from '../experiments/session.ts';
import type { SessionRecord } from '../records.ts';
import type { EndSessionResult } from '../store/experimentStore.ts';

export interface EndSessionDeps {
  experiments: { endSession(sessionId: string, end: SessionEnd): Promise<EndSessionResult> };
  now: () => number;
}

/**
 * POST /v1/sessions/{id}/end: records the outcome once. Repeating the same end answers the stored
 * one (idempotent); a different outcome afterwards is a 409 naming the stored one.
 */
export async function endSession(deps: EndSessionDeps, session: SessionRecord, body: unknown): Promise<{ sessionId: string; end: SessionEnd }> {
  const parsed = EndSessionSchema.safeParse(body);
  if (!parsed.success) {
    const details = issueDetails(parsed.error);
    throw new ApiError(400, 'invalid_end', `Invalid end: ${summarize(details)}`, details);
  }
  const end: SessionEnd = { ...parsed.data, endedAt: new Date(deps.now()).toISOString() };
  const result = await deps.experiments.endSession(session.sessionId, end);
  if (result.outcome === 'no_session') throw new ApiError(404, 'session_not_found', `No session with id ${session.sessionId}`);
  if (result.outcome === 'ended') return { sessionId: session.sessionId, end };
  const { existing } = result;
  if (existing.outcome !== end.outcome || existing.engineerInterventions !== end.engineerInterventions) {
    throw new ApiError(409, 'session_ended',
      `Session ${session.sessionId} already ended at ${existing.endedAt} with outcome ${existing.outcome}; an end is recorded once`);
  }
  return { sessionId: session.sessionId, end: existing };
}

/** Steps after the end would change a finished session's numbers: refused. */
export function refuseIfEnded(session: SessionRecord): void {
  if (session.end) {
    throw new ApiError(409, 'session_ended',
      `Session ${session.sessionId} ended at ${session.end.endedAt} (outcome ${session.end.outcome}); it accepts no more steps. Create a new session.`);
  }
}
