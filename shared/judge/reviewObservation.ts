import * as z from 'zod';
import type { DetectionThresholds } from '../detection/config.ts';
import type { InterventionDecision, Observation, Verdict } from '../detection/engine.ts';
import { advanceEpisodes } from '../detection/episodes.ts';
import { guidanceFor } from '../detection/guidance.ts';
import type { SessionSpec } from '../detection/types.ts';
import type { Step } from '../steps.ts';
import { categoryOf, type Subtype } from '../taxonomy.ts';
import type { Judge, JudgeReview } from './judge.ts';
import { initialJudgeState, type JudgeState } from './state.ts';
import type { FlaggedMatch } from './triggers.ts';

/**
 * Glue between one batch's deterministic observation and the judge, for the pipeline:
 * interventions of heuristic subtypes are flagged for a second opinion; rejected ones are
 * withheld (the episode stays open, so it is not nudged later either); confirmed ones take the
 * judge's guidance; the judge's own findings go through the same episode rule as any detector's.
 * When the judge does not run or fails, the observation comes back untouched.
 */

/** Deterministic subtypes whose rule is a heuristic: worth a second opinion before nudging. */
export const CONFIRMABLE_SUBTYPES: ReadonlySet<Subtype> = new Set<Subtype>([
  'premature_completion',
  'task_abandoned',
  'no_progress',
  'scope_creep',
  'claim_contradicts_evidence',
  'error_ignored',
]);

const JudgeStateSchema = z.object({
  tokensUsed: z.number().int().min(0),
  calls: z.number().int().min(0),
  lastReviewedStep: z.number().int().min(-1),
});

/** The session record stores judge state as opaque JSON: anything unreadable starts afresh. */
export function parseJudgeState(stored: unknown): JudgeState {
  const parsed = JudgeStateSchema.safeParse(stored);
  return parsed.success ? parsed.data : initialJudgeState();
}

export interface ReviewObservationInput {
  judge: Judge;
  session: SessionSpec;
  state: JudgeState;
  observation: Observation;
  /** The steps this batch observed. */
  steps: readonly Step[];
  /** Earlier stored steps, read only when a review runs (e.g. store.stepsFrom). */
  loadEarlierSteps(fromIndex: number, limit: number): Promise<Step[]>;
  thresholds: DetectionThresholds;
}

export interface JudgedObservation {
  observation: Observation;
  state: JudgeState;
  /** Null when no review was worth it. Log its outcome and detail; add tokensUsed to the session. */
  review: JudgeReview | null;
  /** Interventions the judge rejected and that are therefore not sent. */
  withheld: InterventionDecision[];
}

export async function reviewObservation(input: ReviewObservationInput): Promise<JudgedObservation> {
  const { judge, observation, state } = input;
  const unchanged: JudgedObservation = { observation, state, review: null, withheld: [] };
  if (input.steps.length === 0) return unchanged;

  const flagged: FlaggedMatch[] = observation.interventions
    .filter((decision) => CONFIRMABLE_SUBTYPES.has(decision.subtype))
    .map((decision) => ({
      key: decision.episodeId,
      match: { subtype: decision.subtype, evidence: decision.evidence.stepIndexes, facts: {} },
    }));
  const trigger = judge.shouldReview(state, { newSteps: input.steps, flagged });
  if (!trigger) return unchanged;

  const firstNew = Math.min(...input.steps.map((step) => step.index));
  const windowSteps = judge.config.windowSteps;
  const earlier = firstNew > 0 ? await input.loadEarlierSteps(Math.max(0, firstNew - windowSteps), Math.min(firstNew, windowSteps)) : [];
  const review = await judge.review({
    session: input.session,
    state,
    trigger,
    steps: [...earlier.filter((step) => step.index < firstNew), ...input.steps],
  });
  if (review.outcome !== 'ok') return { ...unchanged, state: review.state, review };

  return { ...merge(input, observation, review, trigger.stepIndex), state: review.state, review };
}

function merge(
  input: ReviewObservationInput,
  observation: Observation,
  review: JudgeReview,
  stepIndex: number,
): Pick<JudgedObservation, 'observation' | 'withheld'> {
  const rejected = new Set(review.rejected);
  const confirmed = new Set(review.confirmed);
  const withheld = observation.interventions.filter((decision) => rejected.has(decision.episodeId));
  const kept = observation.interventions
    .filter((decision) => !rejected.has(decision.episodeId))
    .map((decision) => {
      const guidance = confirmed.has(decision.episodeId) ? review.guidanceBySubtype[decision.subtype] : undefined;
      return guidance ? { ...decision, guidance } : decision;
    });

  if (review.matches.length === 0) return { observation: { ...observation, interventions: kept }, withheld };

  // The judge's findings are matches at the reviewed step, under the same episode rule.
  const update = advanceEpisodes(input.session.sessionId, observation.state.openEpisodes, review.matches, stepIndex, input.thresholds);
  const verdicts: Verdict[] = update.attributed.map(({ match, episode }) => ({
    stepIndex,
    category: categoryOf(match.subtype),
    subtype: match.subtype,
    episodeId: episode.episodeId,
    evidence: match.evidence,
  }));
  const opened: InterventionDecision[] = update.opened.map(({ episode, match }) => ({
    episodeId: episode.episodeId,
    sessionId: input.session.sessionId,
    category: episode.category,
    subtype: episode.subtype,
    guidance: review.guidanceBySubtype[match.subtype] ?? guidanceFor(match),
    evidence: { stepIndexes: episode.evidence },
  }));
  return {
    observation: {
      state: { ...observation.state, openEpisodes: update.open },
      verdicts: [...observation.verdicts, ...verdicts],
      opened: [...observation.opened, ...update.opened.map(({ episode }) => episode)],
      closed: [...observation.closed, ...update.closed],
      interventions: [...kept, ...opened],
    },
    withheld,
  };
}
