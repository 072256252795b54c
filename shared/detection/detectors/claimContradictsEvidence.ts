import type { Detector } from '../types.ts';
import { isErrorShaped } from '../normalize.ts';
import { actionJustAnswered, currentStep } from './window.ts';

/** A success claim about a run that was meant to fail (a reproduction) is not a contradiction. */
const EXPECTED_FAILURE = /reproduc|as expected|expected (?:error|failure|exception)/i;

/**
 * A turn that names the failure is weighing the evidence, not contradicting it (the judge covers
 * whether it weighs it well). mini-swe-agent/deepseek-lite_astroid-1978: "The test has issues with
 * mocking, but that's okay. The important thing is that the code runs without errors."
 */
const NAMES_TROUBLE = /\b(?:has|have|had|there (?:are|were)|with) (?:some |a few )?(?:issues?|problems?)\b/i;

/**
 * reasoning_problem/claim_contradicts_evidence, the clear-cut cases only (the LLM judge covers the rest):
 * - "all tests pass" while the latest test-like run failed and no test ran since (edits or not);
 * - "it works" / "ran successfully" right after the run it talks about failed with an error.
 *   A bare non-zero exit is not enough: linters exit non-zero when they find what the agent
 *   asked them to find (mini-swe-agent/deepseek-chat_sqlfluff-2419: `sqlfluff lint` exits 65
 *   listing the violations its new rule reports, and "The fix works" is right).
 */
export const detectClaimContradictsEvidence: Detector = ({ memory, step }) => {
  const current = currentStep(memory);
  const claims = current?.type === 'assistant' ? current.claims : undefined;
  if (!current || !claims) return null;
  const test = memory.progress.lastTestRun;
  if (claims.testsPass && test?.failed && test.resultIndex !== undefined) {
    return {
      subtype: 'claim_contradicts_evidence',
      evidence: [test.callIndex, test.resultIndex, current.index],
      facts: { claim: claims.quote ?? 'the tests pass', command: test.display, error: test.errorLine ?? 'test failures' },
    };
  }
  if (!claims.success || EXPECTED_FAILURE.test(claims.quote ?? '')) return null;
  if (claims.mentionsFailure || NAMES_TROUBLE.test(step?.content ?? '')) return null;
  const previous = actionJustAnswered(memory, current);
  if (!previous?.failed || previous.declined || !previous.executesCode || !isErrorShaped(previous.errorLine)) return null;
  return {
    subtype: 'claim_contradicts_evidence',
    evidence: [previous.callIndex, previous.resultIndex!, current.index],
    facts: { claim: claims.quote ?? 'it works', command: previous.display, error: previous.errorLine },
  };
};
