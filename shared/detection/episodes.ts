import { sha256Hex } from '../canonicalJson.ts';
import { categoryOf, SPECIFICITY_RANK, type Category, type Subtype } from '../taxonomy.ts';
import type { DetectionThresholds } from './config.ts';
import type { Match } from './types.ts';

/**
 * The episode rule. An episode is one continuous occurrence of one subtype in one session:
 * - matches of the same subtype fewer than K steps apart (K = episodeGapSteps) belong to one episode;
 * - a match whose evidence falls in the stretch of an open episode of another subtype (its first step
 *   to its latest match) is the same misbehavior seen by a second detector: it extends that episode
 *   instead of opening one (one stretch, one nudge);
 * - after K steps without a match the episode closes; a later match opens a new episode;
 * - the id hashes (session, subtype, first step of the pattern), so every consumer that replays the
 *   same trajectory, whatever the delivery order or retries, computes the same id.
 * Exactly one intervention is sent per episode, when it opens (see recordInterventionOnce).
 */
export interface Episode {
  episodeId: string;
  sessionId: string;
  category: Category;
  subtype: Subtype;
  /** First step of the pattern (its earliest evidence). */
  firstStep: number;
  /** Step at which the episode was detected, i.e. when its intervention was decided. */
  openedAtStep: number;
  lastMatchStep: number;
  evidence: number[];
  status: 'open' | 'closed';
  closedAtStep?: number;
  /** Set on close: did the pattern stop within M steps of the intervention? */
  outcome?: 'resolved' | 'persisted';
}

/** Evidence kept per episode is bounded so session state stays small. */
const MAX_EVIDENCE = 40;

export function episodeIdFor(sessionId: string, subtype: Subtype, firstStep: number): string {
  return `ep_${sha256Hex(`${sessionId}\n${subtype}\n${firstStep}`).slice(0, 24)}`;
}

/** Of matches found at one step, keep the most specific of each group that shares evidence. */
export function mostSpecific(matches: readonly Match[]): Match[] {
  const ranked = [...matches].sort((a, b) => SPECIFICITY_RANK[a.subtype] - SPECIFICITY_RANK[b.subtype]);
  const kept: Match[] = [];
  for (const match of ranked) {
    if (!kept.some((k) => overlaps(k.evidence, match.evidence))) kept.push(match);
  }
  return kept;
}

export interface EpisodeUpdate {
  open: Episode[];
  opened: Array<{ episode: Episode; match: Match }>;
  closed: Episode[];
  /** The episode each match was attributed to, in the order given. */
  attributed: Array<{ match: Match; episode: Episode }>;
}

/** Pure: apply one step's matches to the open episodes, then close the ones gone quiet. */
export function advanceEpisodes(
  sessionId: string,
  openEpisodes: readonly Episode[],
  matches: readonly Match[],
  stepIndex: number,
  thresholds: Pick<DetectionThresholds, 'episodeGapSteps' | 'resolutionWindowSteps'>,
): EpisodeUpdate {
  let open = [...openEpisodes];
  const opened: EpisodeUpdate['opened'] = [];
  const attributed: EpisodeUpdate['attributed'] = [];

  for (const match of mostSpecific(matches)) {
    const existing =
      open.find((e) => e.subtype === match.subtype && stepIndex - e.lastMatchStep < thresholds.episodeGapSteps) ??
      open.find((e) => overlapsStretch(e, match.evidence));
    if (existing) {
      const extended = extend(existing, match, stepIndex);
      open = open.map((e) => (e === existing ? extended : e));
      attributed.push({ match, episode: extended });
      continue;
    }
    const firstStep = Math.min(...match.evidence, stepIndex);
    const episode: Episode = {
      episodeId: episodeIdFor(sessionId, match.subtype, firstStep),
      sessionId,
      category: categoryOf(match.subtype),
      subtype: match.subtype,
      firstStep,
      openedAtStep: stepIndex,
      lastMatchStep: stepIndex,
      evidence: boundEvidence(match.evidence),
      status: 'open',
    };
    open.push(episode);
    opened.push({ episode, match });
    attributed.push({ match, episode });
  }

  const closed = open
    .filter((e) => stepIndex - e.lastMatchStep >= thresholds.episodeGapSteps)
    .map((e): Episode => ({
      ...e,
      status: 'closed',
      closedAtStep: stepIndex,
      outcome: e.lastMatchStep - e.openedAtStep <= thresholds.resolutionWindowSteps ? 'resolved' : 'persisted',
    }));
  const closedIds = new Set(closed.map((e) => e.episodeId));
  return { open: open.filter((e) => !closedIds.has(e.episodeId)), opened, closed, attributed };
}

function extend(episode: Episode, match: Match, stepIndex: number): Episode {
  return {
    ...episode,
    lastMatchStep: stepIndex,
    evidence: boundEvidence([...episode.evidence, ...match.evidence]),
  };
}

function boundEvidence(indexes: readonly number[]): number[] {
  return [...new Set(indexes)].sort((a, b) => a - b).slice(0, MAX_EVIDENCE);
}

/**
 * Does the evidence fall in the open episode's stretch (its first step to its latest match)? The
 * stretch, not the kept evidence: evidence is bounded to the first MAX_EVIDENCE steps, so on a long
 * loop a second detector's recent evidence would miss it and open a duplicate episode.
 */
function overlapsStretch(episode: Episode, evidence: readonly number[]): boolean {
  return evidence.some((index) => index >= episode.firstStep && index <= episode.lastMatchStep);
}

function overlaps(a: readonly number[], b: readonly number[]): boolean {
  const set = new Set(a);
  return b.some((index) => set.has(index));
}
