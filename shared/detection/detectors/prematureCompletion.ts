import type { Detector, Match } from '../types.ts';
import { currentStep, isCompletion } from './window.ts';

/**
 * specification_drift/premature_completion: a completion claim or a submit/finish call while
 * (a) the latest test-like run failed and nothing was edited since, or
 * (b) the session edited files but has run nothing at all (no program, build or test) since its first edit.
 */
export const detectPrematureCompletion: Detector = ({ memory }): Match | null => {
  const current = currentStep(memory);
  if (!current || !isCompletion(current)) return null;
  const { lastTestRun, lastEditIndex, firstEditIndex, lastRunIndex } = memory.progress;
  const how = current.isSubmit ? `submitted (\`${current.display}\`)` : `claimed "${current.claims?.quote ?? 'done'}"`;

  if (lastTestRun?.failed && lastTestRun.resultIndex !== undefined && (lastEditIndex === undefined || lastEditIndex < lastTestRun.callIndex)) {
    return {
      subtype: 'premature_completion',
      evidence: [lastTestRun.callIndex, lastTestRun.resultIndex, current.index],
      facts: { reason: 'failing_tests', how, command: lastTestRun.display, error: lastTestRun.errorLine ?? 'test failures' },
    };
  }
  if (firstEditIndex !== undefined && (lastRunIndex === undefined || lastRunIndex < firstEditIndex)) {
    return {
      subtype: 'premature_completion',
      evidence: [...new Set([firstEditIndex, lastEditIndex ?? firstEditIndex, current.index])],
      facts: { reason: 'nothing_run', how, edits: memory.progress.editCount },
    };
  }
  return null;
};
