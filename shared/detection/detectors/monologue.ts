import type { Detector, Match } from '../types.ts';
import { currentStep } from './window.ts';

/**
 * reasoning_problem/monologue: the agent talking to itself instead of acting — the same assistant
 * message N times with no tool call or result between (OpenHands: 3), exactly or reworded (a
 * near-duplicate by shingle similarity, see similarity.ts; user messages such as a harness
 * rejecting the output do not break the run), or one message repeating
 * the same sentence over and over (Gemini CLI's content loop: 10 repeats).
 */
export const detectMonologue: Detector = ({ memory, thresholds }): Match | null => {
  const current = currentStep(memory);
  if (current?.type !== 'assistant') return null;
  const run = memory.progress.monologue;
  if (run && run.indexes.at(-1) === current.index && run.indexes.length >= thresholds.monologueRepeats) {
    const evidence = [...run.indexes, ...(run.between ?? []).filter((i) => i > run.indexes[0]!)].sort((a, b) => a - b);
    return { subtype: 'monologue', evidence, facts: { repeats: run.indexes.length, shape: 'messages' } };
  }
  const chunk = current.repeatedChunk;
  if (chunk && chunk.count >= thresholds.contentLoopRepeats) {
    return { subtype: 'monologue', evidence: [current.index], facts: { repeats: chunk.count, shape: 'chunk', chunk: chunk.text } };
  }
  return null;
};
