import type { Detector } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { actionSteps, answeredActions } from './window.ts';

/**
 * tool_call_failure/timeout_streak: timeoutStreakRepeats tool results in a row that report the
 * call timed out (exit code 124, "command timed out", SWE-agent's "was cancelled because it took
 * more than N seconds"), whatever the commands were.
 */
export const detectTimeoutStreak: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  if (!answered.at(-1)?.timedOut) return null;
  const run = trailingRun(answered, (a) => a.timedOut === true);
  if (run.length < thresholds.timeoutStreakRepeats) return null;
  return {
    subtype: 'timeout_streak',
    evidence: actionSteps(run),
    facts: { repeats: run.length, command: run.at(-1)!.display },
  };
};
