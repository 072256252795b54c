import type { Step } from '../steps.ts';
import { categoryOf, type Category, type Subtype } from '../taxonomy.ts';
import type { DetectionThresholds } from './config.ts';
import { DETERMINISTIC_DETECTORS } from './detectors/index.ts';
import { advanceEpisodes, type Episode } from './episodes.ts';
import { guidanceFor } from './guidance.ts';
import { boundMemory, emptyMemory, remember, type SessionMemory } from './memory.ts';
import type { Detector, Match, SessionSpec } from './types.ts';

/** Everything detection remembers about a session between batches; persisted with the session. */
export interface DetectionState {
  /** The next step index detection expects; every step below it has been observed. */
  nextIndex: number;
  memory: SessionMemory;
  openEpisodes: Episode[];
}

export function initialDetectionState(): DetectionState {
  return { nextIndex: 0, memory: emptyMemory(), openEpisodes: [] };
}

/** A detector's finding recorded against the step where it fired. */
export interface Verdict {
  stepIndex: number;
  category: Category;
  subtype: Subtype;
  episodeId: string;
  evidence: number[];
}

/** An intervention decided by detection, before it is stored. */
export interface InterventionDecision {
  episodeId: string;
  sessionId: string;
  category: Category;
  subtype: Subtype;
  guidance: string;
  evidence: { stepIndexes: number[] };
}

export interface Observation {
  state: DetectionState;
  verdicts: Verdict[];
  opened: Episode[];
  closed: Episode[];
  interventions: InterventionDecision[];
}

export interface ObserveOptions {
  thresholds: DetectionThresholds;
  detectors?: readonly Detector[];
}

/**
 * Pure: feed steps (any order; observed in index order from state.nextIndex on) through the
 * detectors and the episode rule. The same state and steps always give the same result, which is
 * what makes episode ids stable under SQS redelivery.
 */
export function observeSteps(
  session: SessionSpec,
  initial: DetectionState,
  steps: readonly Step[],
  options: ObserveOptions,
): Observation {
  const detectors = options.detectors ?? DETERMINISTIC_DETECTORS;
  let state = initial;
  const verdicts: Verdict[] = [];
  const opened: Episode[] = [];
  const closed: Episode[] = [];
  const interventions: InterventionDecision[] = [];

  // Index order whatever the delivery order; a step at or below an index already observed (a
  // redelivery, or a late step whose gap the pipeline gave up waiting for) changes nothing.
  const ordered = [...steps].sort((a, b) => a.index - b.index);
  for (const step of ordered) {
    if (step.index < state.nextIndex) continue;
    const memory = remember(state.memory, step);
    // A detector fires on the step that completes or extends its pattern, not on every later step
    // while the pattern is still the most recent thing in memory.
    const matches = detectors
      .map((detect) => detect({ memory, session, thresholds: options.thresholds, step }))
      .filter((match): match is Match => match !== null && match.evidence.includes(step.index));
    const update = advanceEpisodes(session.sessionId, state.openEpisodes, matches, step.index, options.thresholds);

    for (const { match, episode } of update.attributed) {
      verdicts.push({
        stepIndex: step.index,
        category: categoryOf(match.subtype),
        subtype: match.subtype,
        episodeId: episode.episodeId,
        evidence: match.evidence,
      });
    }
    for (const { episode, match } of update.opened) {
      opened.push(episode);
      interventions.push({
        episodeId: episode.episodeId,
        sessionId: session.sessionId,
        category: episode.category,
        subtype: episode.subtype,
        guidance: guidanceFor(match),
        evidence: { stepIndexes: episode.evidence },
      });
    }
    closed.push(...update.closed);
    state = { nextIndex: step.index + 1, memory, openEpisodes: update.open };
  }
  // Saved with the session: its size must stay bounded whatever the steps held (memory.ts).
  const bounded = boundMemory(state.memory);
  if (bounded !== state.memory) state = { ...state, memory: bounded };
  return { state, verdicts, opened, closed, interventions };
}
