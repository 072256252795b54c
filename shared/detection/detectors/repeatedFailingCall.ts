import type { Detector } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { answeredActions } from './window.ts';

/**
 * tool_call_failure/repeated_failing_call: the same call (tool + normalised input) made again and
 * again, failing with the same error each time. Signal: the last N answered actions share their
 * action key and result key and all failed (OpenHands: 3 identical actions all erroring).
 */
export const detectRepeatedFailingCall: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  const last = answered.at(-1);
  if (!last?.failed) return null;
  const run = trailingRun(answered, (a) => a.failed === true && a.actionKey === last.actionKey && a.resultKey === last.resultKey);
  if (run.length < thresholds.repeatedFailingCallRepeats) return null;
  return {
    subtype: 'repeated_failing_call',
    evidence: run.flatMap((a) => [a.callIndex, a.resultIndex!]),
    facts: { command: last.display, error: last.errorLine ?? 'the same error', repeats: run.length },
  };
};
