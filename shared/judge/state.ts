/**
 * What the judge remembers per session, persisted with the session by the pipeline. Small and
 * JSON-serialisable; tokensUsed is also the per-session figure the pipeline records.
 */
export interface JudgeState {
  /** Prompt + completion tokens spent on this session (estimated when a server reports none). */
  tokensUsed: number;
  /** Reviews that sent at least one request. */
  calls: number;
  /** Highest step index a review has covered; -1 before the first. */
  lastReviewedStep: number;
}

export function initialJudgeState(): JudgeState {
  return { tokensUsed: 0, calls: 0, lastReviewedStep: -1 };
}

/** Budget figures the judge needs; a subset of JudgeConfig. */
export interface JudgeBudget {
  sessionTokenBudget: number;
  maxCallsPerSession: number;
}

export function budgetSpent(state: JudgeState, budget: JudgeBudget): boolean {
  return state.tokensUsed >= budget.sessionTokenBudget || state.calls >= budget.maxCallsPerSession;
}
