import type { Trajectory } from '../adapters/types.ts';
import type { DetectionThresholds } from '../detection/config.ts';
import { initialDetectionState, observeSteps, type Verdict } from '../detection/engine.ts';
import { effectivePolicy, type PolicyOrigin } from '../detection/derivedPolicy.ts';
import type { Episode } from '../detection/episodes.ts';
import type { SessionSpec } from '../detection/types.ts';
import type { SessionPolicy } from '../steps.ts';
import type { Category, Subtype } from '../taxonomy.ts';

/** An intervention detection would have sent, with the step at which it was decided. */
export interface ReplayedIntervention {
  episodeId: string;
  category: Category;
  subtype: Subtype;
  guidance: string;
  evidence: { stepIndexes: number[] };
  /** The step whose arrival opened the episode: when the agent would have been nudged. */
  openedAtStep: number;
}

export interface ReplayResult {
  source: string;
  format: Trajectory['format'];
  sessionId: string;
  task?: string;
  /** The policy detection enforced, and where it came from (explicit, derived from the task, none). */
  policy: SessionPolicy;
  policyOrigin: PolicyOrigin;
  stepCount: number;
  verdicts: Verdict[];
  /** Every episode, closed or still open when the trajectory ended. */
  episodes: Episode[];
  interventions: ReplayedIntervention[];
}

export interface ReplayOptions {
  thresholds: DetectionThresholds;
  /** Explicit policy; absent, the policy is derived from the task as at session creation. */
  policy?: SessionPolicy | undefined;
  constraints?: string[];
  sessionId?: string;
}

/**
 * Pure: runs a whole trajectory through the deterministic detection engine in one pass, exactly
 * as the detector Lambda would over its batches (the engine is deterministic, so batching does
 * not change the outcome), and collects what would have been sent.
 */
export function replayTrajectory(trajectory: Trajectory, options: ReplayOptions): ReplayResult {
  const task = trajectory.task ?? '';
  const { policy, origin } = effectivePolicy(options.policy, task);
  const session: SessionSpec = {
    sessionId: options.sessionId ?? sessionIdFor(trajectory.source),
    task,
    constraints: options.constraints ?? [],
    policy,
  };
  const observation = observeSteps(session, initialDetectionState(), trajectory.steps, { thresholds: options.thresholds });
  // The first opening of an id is the one the pipeline records; a later episode hashing to the same
  // id (same subtype and first evidence step, after the first closed) is refused by its
  // conditional write (recordInterventionOnce) and never sent.
  const openedAt = new Map<string, number>();
  for (const episode of observation.opened) if (!openedAt.has(episode.episodeId)) openedAt.set(episode.episodeId, episode.openedAtStep);
  const closedIds = new Set(observation.closed.map((episode) => episode.episodeId));
  const episodes = [...observation.closed, ...observation.state.openEpisodes.filter((e) => !closedIds.has(e.episodeId))]
    .sort((a, b) => a.openedAtStep - b.openedAtStep);
  return {
    source: trajectory.source,
    format: trajectory.format,
    sessionId: session.sessionId,
    ...(trajectory.task === undefined ? {} : { task: trajectory.task }),
    policy,
    policyOrigin: origin,
    stepCount: trajectory.steps.length,
    verdicts: observation.verdicts,
    episodes,
    interventions: firstPerEpisode(observation.interventions).map((decision) => ({
      episodeId: decision.episodeId,
      category: decision.category,
      subtype: decision.subtype,
      guidance: decision.guidance,
      evidence: decision.evidence,
      openedAtStep: openedAt.get(decision.episodeId) ?? Math.max(...decision.evidence.stepIndexes),
    })),
  };
}

/** What the pipeline sends: one intervention per episode id, the first decided. */
export function firstPerEpisode<T extends { episodeId: string }>(decisions: readonly T[]): T[] {
  const seen = new Set<string>();
  return decisions.filter((decision) => !seen.has(decision.episodeId) && seen.add(decision.episodeId));
}

/**
 * A stable session id from a file path: `replay-` and the file name without its extension; a
 * sub-agent run (`<file>#<id>`) adds `-<id>`.
 */
export function sessionIdFor(source: string): string {
  const [path = source, subRun] = source.split('#');
  const base = path.split(/[\\/]/).pop() ?? path;
  const stem = base.replace(/\.(?:traj|jsonl?|ndjson)$/i, '') + (subRun ? `-${subRun}` : '');
  const slug = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
  return `replay-${slug || 'trajectory'}`;
}
