import { commandOf } from '../detection/normalize.ts';
import type { Match } from '../detection/types.ts';
import type { Step } from '../steps.ts';
import type { Subtype } from '../taxonomy.ts';
import type { JudgeConfig } from './config.ts';
import { budgetSpent, type JudgeState } from './state.ts';

/** The subtypes rules cannot see well: the judge looks for these whenever it runs. */
export const JUDGE_SUBTYPES = ['scope_creep', 'claim_contradicts_evidence', 'error_ignored'] as const satisfies readonly Subtype[];

/** A deterministic match the caller wants confirmed or rejected; key is the caller's (e.g. the episode id). */
export interface FlaggedMatch {
  key: string;
  match: Match;
}

export type TriggerReason = 'flagged' | 'edit' | 'completion_claim' | 'periodic';

export interface JudgeTrigger {
  reasons: TriggerReason[];
  /** The step the review covers up to; becomes lastReviewedStep. */
  stepIndex: number;
  flagged: FlaggedMatch[];
}

export interface ReviewContext {
  /** Steps observed since the last batch (any order); only those after lastReviewedStep count. */
  newSteps: readonly Step[];
  /** Deterministic matches whose rule is uncertain (the caller decides which). */
  flagged?: readonly FlaggedMatch[];
}

type TriggerSettings = Pick<
  JudgeConfig,
  'sessionTokenBudget' | 'maxCallsPerSession' | 'reviewEverySteps' | 'minStepsBetweenReviews'
>;

/**
 * Pure: whether this batch is worth a judge call, and why. Never when the session's budget is
 * spent or nothing new arrived. Flagged matches always qualify; edits and completion claims do
 * when the last review is at least minStepsBetweenReviews old; otherwise every reviewEverySteps.
 */
export function decideReview(settings: TriggerSettings, state: JudgeState, context: ReviewContext): JudgeTrigger | null {
  if (budgetSpent(state, settings)) return null;
  const fresh = context.newSteps.filter((step) => step.index > state.lastReviewedStep);
  if (fresh.length === 0) return null;
  const stepIndex = Math.max(...fresh.map((step) => step.index));
  const sinceLast = stepIndex - state.lastReviewedStep;
  const flagged = [...(context.flagged ?? [])];

  const reasons: TriggerReason[] = [];
  if (flagged.length > 0) reasons.push('flagged');
  if (sinceLast >= settings.minStepsBetweenReviews) {
    if (fresh.some(isEdit)) reasons.push('edit');
    if (fresh.some(isCompletionClaim)) reasons.push('completion_claim');
  }
  if (sinceLast >= settings.reviewEverySteps) reasons.push('periodic');
  return reasons.length > 0 ? { reasons, stepIndex, flagged } : null;
}

const PATH_FIELDS = ['path', 'file', 'file_path', 'filename'] as const;
const MUTATING_COMMANDS = new Set(['create', 'write', 'str_replace', 'insert', 'edit', 'delete', 'rename', 'undo_edit']);
const MUTATING_TOOLS = /^(?:write|edit|create|delete|rename|apply_patch|str_replace)/i;
const SHELL_WRITES = /(?:^|[^<>&0-9])>{1,2}\s*[^\s&|]|\bsed\s+(?:-\w+\s+)*-i|\b(?:rm|mv|cp|tee|touch|patch)\s|\bgit\s+(?:checkout\s+--(?:\s|$)|apply\b|restore\b)/;

/** An edit as the issue defines it: a mutating file tool call, or a shell command that writes a path. */
export function isEdit(step: Step): boolean {
  if (step.type !== 'tool_call') return false;
  const input = step.toolInput;
  if (input && typeof input === 'object') {
    const namesPath = PATH_FIELDS.some((field) => typeof input[field] === 'string');
    const command = typeof input.command === 'string' ? input.command : undefined;
    // An editor's sub-command decides (view vs str_replace); without one, the tool's name does.
    const mutates = command !== undefined ? MUTATING_COMMANDS.has(command) : MUTATING_TOOLS.test(step.toolName ?? '');
    if (namesPath && mutates) return true;
  }
  const shell = commandOf(input ?? step.content);
  return shell !== undefined && SHELL_WRITES.test(shell);
}

const COMPLETION_TOOLS = new Set(['submit', 'finish', 'task_complete', 'attempt_completion', 'complete', 'done']);
const COMPLETION_TEXT =
  /\b(?:all (?:the )?tests (?:now )?pass(?:ed)?|tests? (?:are |is )?(?:now )?passing|(?:task|work|fix|implementation) is (?:now )?(?:complete|done|finished)|i(?:'ve| have) (?:fixed|completed|finished|implemented|resolved)|successfully (?:fixed|implemented|resolved|completed))\b/i;

/** A completion claim: a submit/finish call, or an assistant message saying the work is done or tests pass. */
export function isCompletionClaim(step: Step): boolean {
  if (step.type === 'tool_call') {
    const name = (step.toolName ?? '').toLowerCase();
    if (COMPLETION_TOOLS.has(name)) return true;
    const shell = commandOf(step.toolInput ?? step.content);
    return shell !== undefined && /^\s*(?:submit|finish)\s*$/.test(shell);
  }
  return step.type === 'assistant' && COMPLETION_TEXT.test(step.content ?? '');
}
