import type { Detector } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { answeredActions } from './window.ts';

/**
 * reasoning_problem/action_loop: the same action returning the same observation, repeated.
 * Signal: the last N answered actions share both action key and result key (OpenHands: 4 pairs).
 * Re-running the tests after a real edit is not a loop: an edit in between changes the sequence,
 * so the run of identical pairs is broken.
 */
export const detectActionLoop: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  const last = answered.at(-1);
  if (!last) return null;
  const run = trailingRun(answered, (a) => a.actionKey === last.actionKey && a.resultKey === last.resultKey);
  if (run.length < thresholds.actionLoopRepeats) return null;
  return {
    subtype: 'action_loop',
    evidence: run.flatMap((a) => [a.callIndex, a.resultIndex!]),
    facts: { command: last.display, repeats: run.length },
  };
};
