import { asksForReadOnlyWork } from '../requests.ts';
import type { Detector } from '../types.ts';
import { actionSteps } from './window.ts';

/** Actions quoted as evidence of a long stretch without progress. */
const EVIDENCE_ACTIONS = 10;

/**
 * reasoning_problem/no_progress: a long stretch with no edit and no new information — at least
 * noProgressMinCalls calls since the last edit whose latest noProgressStaleResults results all
 * repeat earlier ones (cycling through the same reads), or noProgressMaxCallsWithoutEdit calls
 * with no edit at all. Paging through a file or polling a changing build yields new results. Not
 * while the person's latest request (the task, or a later user message) is a read-only review,
 * audit or explanation.
 */
export const detectNoProgress: Detector = ({ memory, session, thresholds }) => {
  const { callsSinceEdit, staleStreak, readOnlyRequest } = memory.progress;
  // Reading without editing is the job in a review or audit the person asked for.
  if (readOnlyRequest || (readOnlyRequest === undefined && asksForReadOnlyWork(session.task))) return null;
  const repeating = callsSinceEdit >= thresholds.noProgressMinCalls && staleStreak >= thresholds.noProgressStaleResults;
  if (!repeating && callsSinceEdit < thresholds.noProgressMaxCallsWithoutEdit) return null;
  // The latest actions, the one in progress included: the stretch extends with every call and result.
  return {
    subtype: 'no_progress',
    evidence: actionSteps(memory.actions.slice(-EVIDENCE_ACTIONS)),
    facts: { calls: callsSinceEdit, stale: staleStreak, shape: repeating ? 'repeats' : 'no_edit' },
  };
};
