import type { Detector } from '../types.ts';
import { actionSteps, answeredActions } from './window.ts';

/**
 * reasoning_problem/alternating_loop: two different actions taking turns, A-B-A-B-A-B, each
 * returning the same observation as its previous turn (OpenHands: over 6 actions and observations).
 * Editing and re-running tests is not this: each real edit has a different action key.
 */
export const detectAlternatingLoop: Detector = ({ memory, thresholds }) => {
  const answered = answeredActions(memory);
  const n = thresholds.alternatingLoopActions;
  if (answered.length < n) return null;
  const window = answered.slice(-n);
  const [a, b] = window.slice(-2);
  if (!a || !b || a.actionKey === b.actionKey) return null;
  const alternates = window.every((action, i) => {
    const twoBack = window[i - 2];
    return twoBack === undefined || (action.actionKey === twoBack.actionKey && action.resultKey === twoBack.resultKey);
  });
  if (!alternates || window[0]!.actionKey === window[1]!.actionKey) return null;
  return {
    subtype: 'alternating_loop',
    evidence: actionSteps(window),
    facts: { first: window[0]!.display, second: window[1]!.display, repeats: Math.floor(n / 2) },
  };
};
