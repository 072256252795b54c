import type { Detector } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { actionSteps, answeredActions } from './window.ts';

/** Actions quoted as evidence of a long stretch without progress. */
const EVIDENCE_ACTIONS = 10;

/**
 * reasoning_problem/no_progress: a long stretch with no edit and no new information — at least
 * noProgressMinCalls calls since the last edit whose latest noProgressStaleResults results all
 * repeat earlier ones (cycling through the same reads), or noProgressMaxCallsWithoutEdit calls
 * with no edit at all. Paging through a file or polling a changing build yields new results.
 */
export const detectNoProgress: Detector = ({ memory, thresholds }) => {
  const { callsSinceEdit, staleStreak } = memory.progress;
  const answered = answeredActions(memory);
  if (callsSinceEdit >= thresholds.noProgressMinCalls && staleStreak >= thresholds.noProgressStaleResults) {
    const stale = trailingRun(answered, (a) => a.stale === true && !a.isEdit);
    return {
      subtype: 'no_progress',
      evidence: actionSteps(stale.slice(-EVIDENCE_ACTIONS)),
      facts: { calls: callsSinceEdit, stale: staleStreak, shape: 'repeats' },
    };
  }
  if (callsSinceEdit >= thresholds.noProgressMaxCallsWithoutEdit) {
    return {
      subtype: 'no_progress',
      evidence: actionSteps(answered.slice(-EVIDENCE_ACTIONS)),
      facts: { calls: callsSinceEdit, stale: staleStreak, shape: 'no_edit' },
    };
  }
  return null;
};
