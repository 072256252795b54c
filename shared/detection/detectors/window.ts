import type { Claims } from '../claims.ts';
import type { ActionRecord, SessionMemory, StepSummary } from '../memory.ts';

/** The step being observed: the newest summary in memory. */
export function currentStep(memory: SessionMemory): StepSummary | undefined {
  return memory.recent.at(-1);
}

/** Actions that have their result, oldest first. */
export function answeredActions(memory: SessionMemory): ActionRecord[] {
  return memory.actions.filter((action) => action.resultIndex !== undefined);
}

/** The call and result indexes of actions, for evidence. */
export function actionSteps(actions: readonly ActionRecord[]): number[] {
  return actions.flatMap((a) => (a.resultIndex === undefined ? [a.callIndex] : [a.callIndex, a.resultIndex]));
}

/** Is this step a completion: a claim of being done, or a submit/finish call? */
export function isCompletion(step: StepSummary): boolean {
  return step.isSubmit === true || step.claims?.completion === true;
}

/** The latest answered action whose result came right before this step (only assistant text between). */
export function actionJustAnswered(memory: SessionMemory, step: StepSummary): ActionRecord | undefined {
  for (let i = memory.recent.length - 2; i >= 0; i -= 1) {
    const earlier = memory.recent[i]!;
    if (earlier.type === 'assistant') continue;
    if (earlier.type !== 'tool_result' || earlier.callIndex === undefined) return undefined;
    return memory.actions.find((a) => a.callIndex === earlier.callIndex && a.resultIndex === earlier.index && a.callIndex < step.index);
  }
  return undefined;
}

/**
 * The claims of the agent's current turn: this step's and those of the assistant messages and
 * calls right before it, back to the latest tool result or user message (a closing message
 * followed by a finish call is one turn).
 */
export function turnClaims(memory: SessionMemory, step: StepSummary): Claims[] {
  const claims: Claims[] = [];
  for (let i = memory.recent.length - 1; i >= 0; i -= 1) {
    const earlier = memory.recent[i]!;
    if (earlier.index > step.index) continue;
    if (earlier.type === 'tool_result' || earlier.type === 'user') break;
    if (earlier.claims) claims.push(earlier.claims);
  }
  return claims;
}

/** The turn admits the work is not done: a give-up in its words, or a finish with `task_completed: false`. */
export function failureAdmitted(memory: SessionMemory, step: StepSummary): boolean {
  if (step.admitsFailure) return true;
  return turnClaims(memory, step).some((claims) => claims.givesUp === true);
}
