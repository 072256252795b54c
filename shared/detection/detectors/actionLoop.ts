import type { ActionRecord } from '../memory.ts';
import type { Detector, Match } from '../types.ts';
import { trailingRun } from './trailingRun.ts';
import { actionSteps, answeredActions } from './window.ts';

/** Longest cycle looked for: browser and shell agents cycle through 3–4 actions on a stuck page. */
const MAX_CYCLE_LENGTH = 6;
/** Rounds of a cycle of 3+ actions that make a loop: the second identical round already learns nothing. */
const CYCLE_ROUNDS = 2;

/**
 * reasoning_problem/action_loop: the same action returning the same observation, repeated.
 * Signal: the last N answered actions share both action key and result key (OpenHands: 4 pairs).
 * Re-running the tests after a real edit is not a loop: an edit in between changes the sequence,
 * so the run of identical pairs is broken.
 * Also a longer cycle (3 to MAX_CYCLE_LENGTH actions, e.g. click / click / read the page) gone
 * through twice with every action returning what it returned the round before; two-action cycles
 * are alternating_loop's.
 */
export const detectActionLoop: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  const last = answered.at(-1);
  if (!last) return null;
  const run = trailingRun(answered, (a) => a.actionKey === last.actionKey && a.resultKey === last.resultKey);
  if (run.length >= thresholds.actionLoopRepeats) {
    return {
      subtype: 'action_loop',
      evidence: run.flatMap((a) => [a.callIndex, a.resultIndex!]),
      facts: { command: last.display, repeats: run.length },
    };
  }
  return repeatedCycle(answered);
};

const same = (a: ActionRecord, b: ActionRecord): boolean => a.actionKey === b.actionKey && a.resultKey === b.resultKey;

/** The shortest cycle of 3+ actions the latest actions repeat for CYCLE_ROUNDS rounds, if any. */
function repeatedCycle(answered: readonly ActionRecord[]): Match | null {
  for (let length = 3; length <= MAX_CYCLE_LENGTH && length * CYCLE_ROUNDS <= answered.length; length += 1) {
    const cycle = answered.slice(-length);
    if (hasShorterPeriod(cycle)) continue;
    // The trailing stretch where every action repeats the one a cycle earlier.
    let start = answered.length - length;
    while (start > 0 && same(answered[start - 1]!, answered[start - 1 + length]!)) start -= 1;
    const stretch = answered.slice(start);
    if (stretch.length < length * CYCLE_ROUNDS) continue;
    return {
      subtype: 'action_loop',
      evidence: actionSteps(stretch),
      facts: { command: cycle.map((a) => a.display).join(' → '), repeats: Math.floor(stretch.length / length), cycle: length },
    };
  }
  return null;
}

/** Is the cycle itself a repetition of a shorter one (A-A-A, A-B-A-B)? Those are other scenarios. */
function hasShorterPeriod(cycle: readonly ActionRecord[]): boolean {
  for (let period = 1; period < cycle.length; period += 1) {
    if (cycle.length % period === 0 && cycle.every((a, i) => i < period || same(a, cycle[i - period]!))) return true;
  }
  return false;
}
