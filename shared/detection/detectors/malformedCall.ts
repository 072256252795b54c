import type { Detector } from '../types.ts';
import { currentStep } from './window.ts';

/**
 * tool_call_failure/malformed_call: calls the tool harness cannot execute — no tool name,
 * arguments that are not valid JSON, or the harness answering "unknown tool", "missing required
 * argument", "invalid arguments", "output not formatted correctly". One slip is usually fixed on
 * the next turn, so it takes malformedCallRepeats of them within malformedWindowSteps.
 */
export const detectMalformedCall: Detector = ({ memory, thresholds }) => {
  const current = currentStep(memory);
  if (!current?.malformed) return null;
  const recent = memory.progress.malformedSteps.filter((index) => current.index - index < thresholds.malformedWindowSteps);
  if (recent.length < thresholds.malformedCallRepeats) return null;
  return {
    subtype: 'malformed_call',
    evidence: recent,
    facts: { problem: current.malformed, repeats: recent.length, command: current.display ?? '' },
  };
};
