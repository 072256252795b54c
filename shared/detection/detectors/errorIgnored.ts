import type { Detector, Match } from '../types.ts';
import { actionJustAnswered, currentStep, isCompletion } from './window.ts';

/**
 * tool_call_failure/error_ignored, the clear-cut cases only (the LLM judge covers the rest):
 * - a completion claim or submit/finish right after a call that failed with an error;
 * - an edit that changes (not creates) a file an error reported missing a few steps earlier.
 */
export const detectErrorIgnored: Detector = ({ memory, thresholds }): Match | null => {
  const current = currentStep(memory);
  if (!current) return null;
  if (isCompletion(current)) {
    const previous = actionJustAnswered(memory, current);
    if (previous?.failed && previous.errorLine !== undefined) {
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
