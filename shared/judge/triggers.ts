import { analyzeCall } from '../detection/calls.ts';
import { readClaims } from '../detection/claims.ts';
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

/**
 * An edit as the issue defines it (a mutating file tool call, or a shell command that writes a
 * path), read with the detectors' own call analysis so both agree on what an edit is.
 */
export function isEdit(step: Step): boolean {
  return step.type === 'tool_call' && analyzeCall(step.toolName, step.toolInput ?? step.content).edits.length > 0;
}

/** A completion claim: a submit/finish call, or an assistant message stating success (not a plan or a question). */
export function isCompletionClaim(step: Step): boolean {
  if (step.type === 'tool_call') return analyzeCall(step.toolName, step.toolInput ?? step.content).isSubmit;
  return step.type === 'assistant' && readClaims(step.content ?? '').success === true;
}
