import { ApiError } from '../api/apiError.ts';
import type { SessionRecord } from '../records.ts';
import type { EraseOutcome } from '../store/sessionEraser.ts';

export interface DeleteSessionDeps {
  store: { getSession(sessionId: string): Promise<SessionRecord | undefined> };
  eraser: {
    erase(session: SessionRecord, nowMs: number): Promise<EraseOutcome>;
    deletedSessionOwner(sessionId: string): Promise<string | undefined>;
    sweepDeleted(sessionId: string): Promise<void>;
  };
  now: () => number;
}

/**
 * DELETE /v1/sessions/{id}: removes the session and everything it stored, then answers 204. A
 * session that is not there — never was, another tenant's, or deleted already — is a 404, so a
 * second DELETE is a 404 too. Before answering that 404 to the owner of a deleted session, the
 * sweep runs again: a DELETE retried after a server fault still leaves nothing behind.
 */
export async function deleteSession(deps: DeleteSessionDeps, ownerKeyHash: string, sessionId: string): Promise<void> {
  const session = await deps.store.getSession(sessionId);
  if (session && session.ownerKeyHash === ownerKeyHash) {
    if ((await deps.eraser.erase(session, deps.now())) === 'erased') return;
  } else if (!session && (await deps.eraser.deletedSessionOwner(sessionId)) === ownerKeyHash) {
    await deps.eraser.sweepDeleted(sessionId);
  }
  throw new ApiError(404, 'session_not_found', `No session with id ${sessionId}; create one with POST /v1/sessions`);
}
