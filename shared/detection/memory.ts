import type { Step, StepType } from '../steps.ts';
import { actionKey, displayCall, errorLine, hashText, resultFailed } from './normalize.ts';

/**
 * A step reduced to what detectors compare: hashes and a few short strings. Detectors read only
 * a bounded window of these, so the work per step stays flat however long a session grows.
 */
export interface StepSummary {
  index: number;
  type: StepType;
  /** tool_call: the tool, the hash of tool + normalised input, and a short display form. */
  toolName?: string;
  actionKey?: string;
  display?: string;
  toolCallId?: string;
  /** tool_result: the hash of the normalised output, whether it failed, and its error line. */
  resultKey?: string;
  failed?: boolean;
  errorLine?: string;
  /** tool_result: index of the tool_call it answers, when known. */
  callIndex?: number;
  /** assistant/user/system: hash of the normalised text. */
  textKey?: string;
}

/** A tool call joined with its result: the unit loop detectors compare. */
export interface ActionRecord {
  callIndex: number;
  resultIndex?: number;
  toolName: string;
  actionKey: string;
  display: string;
  resultKey?: string;
  failed?: boolean;
  errorLine?: string;
}

export interface SessionMemory {
  /** The most recent step summaries, oldest first, at most MEMORY_WINDOW of them. */
  recent: StepSummary[];
  /** The most recent actions (tool calls with their results), oldest first. */
  actions: ActionRecord[];
}

export const MEMORY_WINDOW_STEPS = 60;
export const MEMORY_WINDOW_ACTIONS = 30;

export function emptyMemory(): SessionMemory {
  return { recent: [], actions: [] };
}

export function summarizeStep(step: Step): StepSummary {
  const summary: StepSummary = { index: step.index, type: step.type };
  if (step.type === 'tool_call') {
    const toolName = step.toolName ?? 'unknown';
    summary.toolName = toolName;
    summary.actionKey = actionKey(toolName, step.toolInput ?? step.content);
    summary.display = displayCall(toolName, step.toolInput ?? step.content);
    if (step.toolCallId) summary.toolCallId = step.toolCallId;
  } else if (step.type === 'tool_result') {
    summary.resultKey = hashText(step.content ?? '');
    summary.failed = resultFailed(step);
    const line = summary.failed ? errorLine(step.content) : undefined;
    if (line) summary.errorLine = line;
    if (step.toolCallId) summary.toolCallId = step.toolCallId;
  } else if (step.content) {
    summary.textKey = hashText(step.content);
  }
  return summary;
}

/** Pure: the memory after one more step. The input memory is not modified. */
export function remember(memory: SessionMemory, step: Step): SessionMemory {
  const summary = summarizeStep(step);
  let actions = memory.actions;
  if (summary.type === 'tool_call') {
    actions = [...actions, {
      callIndex: summary.index,
      toolName: summary.toolName!,
      actionKey: summary.actionKey!,
      display: summary.display!,
    }];
  } else if (summary.type === 'tool_result') {
    const target = findCallAnswered(memory, summary);
    if (target) {
      summary.callIndex = target.callIndex;
      actions = actions.map((action) =>
        action === target
          ? withoutUndefined({
              ...action,
              resultIndex: summary.index,
              resultKey: summary.resultKey,
              failed: summary.failed,
              errorLine: summary.errorLine,
            })
          : action,
      );
    }
  }
  return {
    recent: [...memory.recent, summary].slice(-MEMORY_WINDOW_STEPS),
    actions: actions.slice(-MEMORY_WINDOW_ACTIONS),
  };
}

/** A result answers the call with the same toolCallId, or else the latest call still unanswered. */
function findCallAnswered(memory: SessionMemory, result: StepSummary): ActionRecord | undefined {
  if (result.toolCallId) {
    const callStep = [...memory.recent].reverse().find((s) => s.type === 'tool_call' && s.toolCallId === result.toolCallId);
    if (callStep) return memory.actions.find((a) => a.callIndex === callStep.index && a.resultIndex === undefined);
  }
  return [...memory.actions].reverse().find((a) => a.resultIndex === undefined);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
