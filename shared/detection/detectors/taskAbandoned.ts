import type { Detector } from '../types.ts';
import { currentStep } from './window.ts';

/** Tools whose only purpose is to quit the task. */
const GIVE_UP_TOOLS = new Set(['exit_forfeit', 'forfeit', 'give_up', 'abandon_task']);

/**
 * specification_drift/task_abandoned: the agent says it gives up ("I cannot complete this task",
 * "As an AI …, I'm unable to …", "I cannot make further progress", "I was unable to make the
 * changes"), finishes with `task_completed: false`, calls a forfeit tool, or asks the user for information or a decision ("could you please
 * provide …?") in an autonomous run where the task is all it gets.
 */
export const detectTaskAbandoned: Detector = ({ memory }) => {
  const current = currentStep(memory);
  if (!current) return null;
  if (current.type === 'tool_call' && GIVE_UP_TOOLS.has(current.toolName ?? '')) {
    return { subtype: 'task_abandoned', evidence: [current.index], facts: { how: 'forfeit', quote: current.display! } };
  }
  if (current.type === 'tool_call' && current.admitsFailure) {
    return { subtype: 'task_abandoned', evidence: [current.index], facts: { how: 'finish_admits_failure', quote: current.display! } };
  }
  const claims = current.type === 'assistant' ? current.claims : undefined;
  // A question is no give-up where a person answers between turns (two or more user messages), nor
  // a clarifying question before the agent has done anything.
  const { userTurns = 0, acted } = memory.progress;
  const asks = claims?.asksUser === true && userTurns < 2 && acted === true;
  if (!claims?.givesUp && !asks) return null;
  return {
    subtype: 'task_abandoned',
    evidence: [current.index],
    facts: { how: claims!.givesUp ? 'gives_up' : 'asks_user', quote: claims!.quote ?? '' },
  };
};
