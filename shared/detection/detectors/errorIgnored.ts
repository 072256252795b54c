import type { Detector, Match } from '../types.ts';
import { actionJustAnswered, currentStep, failureAdmitted, isCompletion, turnClaims } from './window.ts';

/**
 * tool_call_failure/error_ignored, the clear-cut cases only (the LLM judge covers the rest):
 * - a completion claim or submit/finish right after a call that failed with an error, unless the
 *   turn says so ("the build failed …", a give-up) or the error says the goal already held
 *   (stopping a shell that had already stopped, "already exists", "nothing to commit") or the
 *   person declined the call (claude-code/entire-cli-c4-a4c0bba140-0: "i'll take it from here");
 * - an edit that changes (not creates) a file an error reported missing a few steps earlier.
 */
export const detectErrorIgnored: Detector = ({ memory, thresholds }): Match | null => {
  const current = currentStep(memory);
  if (!current) return null;
  if (isCompletion(current)) {
    const previous = actionJustAnswered(memory, current);
    // Saying what failed is not ignoring it; nor is a failure whose goal already held.
    const acknowledged = failureAdmitted(memory, current) || turnClaims(memory, current).some((claims) => claims.mentionsFailure);
    if (previous?.failed && previous.errorLine !== undefined && !previous.goalAlreadyMet && !previous.declined && !acknowledged) {
      return {
        subtype: 'error_ignored',
        evidence: [previous.callIndex, previous.resultIndex!, current.index],
        facts: { shape: 'completion', command: previous.display, error: previous.errorLine },
      };
    }
    return null;
  }
  if (current.type !== 'tool_call') return null;
  for (const edit of current.edits ?? []) {
    if (edit.kind !== 'modify' || edit.path === undefined) continue;
    const missing = memory.progress.missingPaths.find((m) => m.path === edit.path && current.index - m.stepIndex <= thresholds.errorIgnoredWindowSteps);
    if (missing) {
      return {
        subtype: 'error_ignored',
        evidence: [missing.stepIndex, current.index],
        facts: { shape: 'missing_file', path: edit.path, command: current.display!, errorStep: missing.stepIndex },
      };
    }
  }
  return null;
};
