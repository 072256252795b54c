import type { Episode } from '../detection/episodes.ts';
import type { Step } from '../steps.ts';
import type { Subtype } from '../taxonomy.ts';
import type { Arm, SessionEnd, SessionOutcome } from './session.ts';

/** What one session contributes to an experiment report, computed from what Wink stored. */
export interface SessionMetrics {
  sessionId: string;
  arm: Arm;
  /** `open`: not ended and not idle long enough to count as `unknown`; left out of comparisons. */
  outcome: SessionOutcome | 'open';
  steps: number;
  toolCalls: number;
  /** Tool results with `isError` or a non-zero `exitCode`. */
  failedToolCalls: number;
  /** Sum of step `tokens` (input + output). */
  tokens: number;
  /** User turns after the first: a proxy for engineer interventions when none were reported. */
  userTurnsAfterFirst: number;
  /** As reported at the end, else the proxy. */
  engineerInterventions: number;
  /** Per subtype: episodes, and how the closed ones ended. */
  episodes: Partial<Record<Subtype, { total: number; resolved: number; persisted: number }>>;
}

export function sessionMetrics(input: {
  sessionId: string;
  arm: Arm;
  steps: readonly Step[];
  episodes: readonly Episode[];
  end: SessionEnd | undefined;
  /** Never-ended sessions idle this long count as `unknown`. */
  idle: boolean;
}): SessionMetrics {
  const { steps } = input;
  const userTurns = steps.filter((step) => step.type === 'user').length;
  const userTurnsAfterFirst = Math.max(0, userTurns - 1);
  const episodes: SessionMetrics['episodes'] = {};
  for (const episode of input.episodes) {
    const counts = (episodes[episode.subtype] ??= { total: 0, resolved: 0, persisted: 0 });
    counts.total += 1;
    if (episode.outcome === 'resolved') counts.resolved += 1;
    if (episode.outcome === 'persisted') counts.persisted += 1;
  }
  return {
    sessionId: input.sessionId,
    arm: input.arm,
    outcome: input.end?.outcome ?? (input.idle ? 'unknown' : 'open'),
    steps: steps.length,
    toolCalls: steps.filter((step) => step.type === 'tool_call').length,
    failedToolCalls: steps.filter((step) => step.type === 'tool_result' && (step.isError === true || (step.exitCode !== undefined && step.exitCode !== 0))).length,
    tokens: steps.reduce((sum, step) => sum + (step.tokens ? step.tokens.input + step.tokens.output : 0), 0),
    userTurnsAfterFirst,
    engineerInterventions: input.end?.engineerInterventions ?? userTurnsAfterFirst,
    episodes,
  };
}
