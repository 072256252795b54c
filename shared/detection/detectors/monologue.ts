import type { Detector, Match } from '../types.ts';
import { currentStep } from './window.ts';

/**
 * reasoning_problem/monologue: the agent talking to itself instead of acting — the same assistant
 * message N times with no tool call or result between (OpenHands: 3), or one message repeating
 * the same sentence over and over (Gemini CLI's content loop: 10 repeats).
 */
export const detectMonologue: Detector = ({ memory, thresholds }): Match | null => {
  const current = currentStep(memory);
  if (current?.type !== 'assistant') return null;
  const run = memory.progress.monologue;
  if (run && run.textKey === current.textKey && run.indexes.length >= thresholds.monologueRepeats) {
    return { subtype: 'monologue', evidence: run.indexes, facts: { repeats: run.indexes.length, shape: 'messages' } };
  }
  const chunk = current.repeatedChunk;
  if (chunk && chunk.count >= thresholds.contentLoopRepeats) {
    return { subtype: 'monologue', evidence: [current.index], facts: { repeats: chunk.count, shape: 'chunk', chunk: chunk.text } };
  }
  return null;
};
