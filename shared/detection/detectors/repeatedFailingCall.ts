import type { ActionRecord } from '../memory.ts';
import type { Detector } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { answeredActions } from './window.ts';

/** How far back (answered actions) an interleaved retry of the same failing call is looked for. */
export const INTERLEAVED_RETRY_WINDOW_ACTIONS = 12;
/**
 * Interleaved retries need one more identical failure than consecutive ones: three failing `make`s
 * around one `ls` is still weak evidence, the fourth retry with nothing changed is not.
 */
export const INTERLEAVED_EXTRA_REPEATS = 1;

/**
 * tool_call_failure/repeated_failing_call: the same call (tool + normalised input) made again and
 * again, failing with the same error each time. Signal: the last N answered actions share their
 * action key and result key and all failed (OpenHands: 3 identical actions all erroring); or the
 * latest failing call is a retry in between other calls (`cp` → `ls` → ask someone → the same `cp`),
 * see interleavedRetries.
 */
export const detectRepeatedFailingCall: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  const last = answered.at(-1);
  if (!last?.failed) return null;
  const sameFailure = (a: ActionRecord) => a.failed === true && a.actionKey === last.actionKey && a.resultKey === last.resultKey;
  const consecutive = trailingRun(answered, sameFailure);
  const interleaved = consecutive.length >= thresholds.repeatedFailingCallRepeats ? undefined : interleavedRetries(answered, sameFailure);
  const enough = thresholds.repeatedFailingCallRepeats + (interleaved ? INTERLEAVED_EXTRA_REPEATS : 0);
  const run = interleaved ?? consecutive;
  if (run.length < enough) return null;
  // Interleaved retries are further apart than the episode gap: report the stretch once, on the
  // retry that first reaches the threshold, not again on every later retry.
  if (interleaved) {
    const previous = run.at(-2)!;
    const before = interleavedRetries(answered.slice(0, answered.indexOf(previous) + 1), sameFailure);
    if (before.length >= enough) return null;
  }
  return {
    subtype: 'repeated_failing_call',
    evidence: run.flatMap((a) => [a.callIndex, a.resultIndex!]),
    facts: { command: last.display, repeats: run.length, error: last.errorLine ?? 'the same error' },
  };
};

/**
 * The latest failing call and its earlier identical failures within the last
 * INTERLEAVED_RETRY_WINDOW_ACTIONS answered actions, with other calls between — but only back to
 * the latest edit by another call: after an edit the retry may meet a changed workspace (edit,
 * re-run the failing test is work, not a loop). Reads, listings and messages between do not count.
 */
export function interleavedRetries(answered: readonly ActionRecord[], sameFailure: (a: ActionRecord) => boolean): ActionRecord[] {
  const retries: ActionRecord[] = [];
  for (const action of answered.slice(-INTERLEAVED_RETRY_WINDOW_ACTIONS).reverse()) {
    if (sameFailure(action)) retries.unshift(action);
    else if (action.edits) break;
  }
  return retries;
}
