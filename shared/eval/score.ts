import type { Subtype } from '../taxonomy.ts';
import type { LabeledEpisode } from './labels.ts';

/** What scoring needs of an intervention: its subtype, the steps it cites, and when it was sent. */
export interface ScoredIntervention {
  subtype: Subtype;
  evidence: { stepIndexes: number[] };
  openedAtStep: number;
}

export interface ScoringCase {
  id: string;
  group?: string;
  stepCount: number;
  episodes: readonly LabeledEpisode[];
  interventions: readonly ScoredIntervention[];
  /** LLM judge tokens spent on this trajectory (absent or 0 when no judge ran). */
  llmTokens?: number;
}

/**
 * tp: interventions of this subtype that matched a labeled episode; fp: those that matched none;
 * support: labeled episodes of this subtype; detected: those matched by at least one intervention;
 * fn = support − detected. precision = tp / (tp + fp), recall = detected / support; null when the
 * denominator is 0 (no predictions, or no labeled episodes of the subtype).
 */
export interface Score {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
  tp: number;
  fp: number;
  fn: number;
  detected: number;
}

export const NONE_ROW = '(none)';
export const MISSED_COLUMN = '(missed)';

export interface ConfusionMatrix {
  /** Labeled subtypes, then (none) for interventions that overlap no labeled episode. */
  rows: string[];
  /** Predicted subtypes, then (missed) for labeled episodes no intervention detected. */
  columns: string[];
  /** counts[row][column]: interventions, except the (missed) column, which counts episodes. */
  counts: number[][];
}

export interface CaseResult {
  id: string;
  group?: string;
  expected: number;
  interventions: number;
  tp: number;
  fp: number;
  missed: number;
}

export interface EvalScores {
  corpus: { trajectories: number; clean: number; misbehaving: number; episodes: number; steps: number };
  perSubtype: Partial<Record<Subtype, Score>>;
  /** Micro-averaged over all subtypes. */
  overall: Score;
  falseInterventionsPerCleanTrajectory: number | null;
  interventionsPerMisbehavingTrajectory: number | null;
  /** Matched interventions per detected episode: 1 is the target (one nudge per misbehavior). */
  interventionsPerDetectedEpisode: number | null;
  /** Interventions that matched an episode another intervention had already detected. */
  duplicateInterventions: number;
  /** Mean over detected episodes of (step the first matching intervention was sent − labeled first step). */
  meanDetectionDelaySteps: number | null;
  /** Median of the same delays: robust to one late catch in a small corpus. */
  medianDetectionDelaySteps: number | null;
  /**
   * Of the interventions sent inside a labeled episode, the share that name a subtype the episode
   * accepts: whether a nudge that lands on a real problem names it right. Null when none landed.
   */
  subtypePrecision: number | null;
  llmTokensPerTrajectory: number;
  byGroup: Record<string, { trajectories: number; episodes: number; interventions: number; falseInterventions: number; missedEpisodes: number }>;
  confusion: ConfusionMatrix;
  cases: CaseResult[];
}

interface Tally {
  tp: number;
  fp: number;
  support: number;
  detected: number;
}

/** Pure: scores interventions against labeled episodes (rules in docs/eval.md). */
export function scoreCorpus(cases: readonly ScoringCase[]): EvalScores {
  const tallies = new Map<Subtype, Tally>();
  const tally = (subtype: Subtype): Tally => {
    let t = tallies.get(subtype);
    if (!t) tallies.set(subtype, (t = { tp: 0, fp: 0, support: 0, detected: 0 }));
    return t;
  };
  const confusion = new Map<string, Map<string, number>>();
  const count = (row: string, column: string): void => {
    const cells = confusion.get(row) ?? new Map<string, number>();
    cells.set(column, (cells.get(column) ?? 0) + 1);
    confusion.set(row, cells);
  };

  const delays: number[] = [];
  const caseResults: CaseResult[] = [];
  const byGroup: EvalScores['byGroup'] = {};
  let duplicates = 0;
  let landed = 0;
  let landedRightSubtype = 0;
  let matchedInterventions = 0;
  let detectedEpisodes = 0;
  let cleanCount = 0;
  let cleanInterventions = 0;
  let misbehavingCount = 0;
  let misbehavingInterventions = 0;
  let tokens = 0;

  for (const scoringCase of cases) {
    const detectedBy = new Map<number, number>();
    let tp = 0;
    let fp = 0;
    for (const episode of scoringCase.episodes) tally(episode.subtype).support += 1;

    const ordered = [...scoringCase.interventions].sort((a, b) => a.openedAtStep - b.openedAtStep);
    for (const intervention of ordered) {
      const inside = scoringCase.episodes.filter((e) => overlaps(intervention, e));
      if (inside.length > 0) {
        landed += 1;
        if (inside.some((e) => accepts(e, intervention.subtype))) landedRightSubtype += 1;
      }
      const target = bestEpisode(scoringCase.episodes, intervention, detectedBy);
      if (target === undefined) {
        fp += 1;
        tally(intervention.subtype).fp += 1;
        const overlapped = scoringCase.episodes.find((e) => overlaps(intervention, e));
        count(overlapped?.subtype ?? NONE_ROW, intervention.subtype);
        continue;
      }
      tp += 1;
      matchedInterventions += 1;
      tally(intervention.subtype).tp += 1;
      const episode = scoringCase.episodes[target]!;
      count(episode.subtype, intervention.subtype);
      if (detectedBy.has(target)) {
        duplicates += 1;
      } else {
        detectedBy.set(target, intervention.openedAtStep);
        delays.push(intervention.openedAtStep - episode.firstStep);
      }
    }

    scoringCase.episodes.forEach((episode, i) => {
      if (detectedBy.has(i)) tally(episode.subtype).detected += 1;
      else count(episode.subtype, MISSED_COLUMN);
    });
    detectedEpisodes += detectedBy.size;
    const missed = scoringCase.episodes.length - detectedBy.size;

    if (scoringCase.episodes.length === 0) {
      cleanCount += 1;
      cleanInterventions += scoringCase.interventions.length;
    } else {
      misbehavingCount += 1;
      misbehavingInterventions += scoringCase.interventions.length;
    }
    tokens += scoringCase.llmTokens ?? 0;

    const group = scoringCase.group ?? 'all';
    const g = (byGroup[group] ??= { trajectories: 0, episodes: 0, interventions: 0, falseInterventions: 0, missedEpisodes: 0 });
    g.trajectories += 1;
    g.episodes += scoringCase.episodes.length;
    g.interventions += scoringCase.interventions.length;
    g.falseInterventions += fp;
    g.missedEpisodes += missed;

    caseResults.push({
      id: scoringCase.id,
      ...(scoringCase.group === undefined ? {} : { group: scoringCase.group }),
      expected: scoringCase.episodes.length,
      interventions: scoringCase.interventions.length,
      tp,
      fp,
      missed,
    });
  }

  const perSubtype: Partial<Record<Subtype, Score>> = {};
  for (const [subtype, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) perSubtype[subtype] = toScore(t);
  const sum = (key: keyof Tally): number => [...tallies.values()].reduce((total, t) => total + t[key], 0);

  return {
    corpus: {
      trajectories: cases.length,
      clean: cleanCount,
      misbehaving: misbehavingCount,
      episodes: cases.reduce((total, c) => total + c.episodes.length, 0),
      steps: cases.reduce((total, c) => total + c.stepCount, 0),
    },
    perSubtype,
    overall: toScore({ tp: sum('tp'), fp: sum('fp'), support: sum('support'), detected: sum('detected') }),
    falseInterventionsPerCleanTrajectory: ratio(cleanInterventions, cleanCount),
    interventionsPerMisbehavingTrajectory: ratio(misbehavingInterventions, misbehavingCount),
    interventionsPerDetectedEpisode: ratio(matchedInterventions, detectedEpisodes),
    duplicateInterventions: duplicates,
    meanDetectionDelaySteps: delays.length === 0 ? null : round(delays.reduce((a, b) => a + b, 0) / delays.length),
    medianDetectionDelaySteps: median(delays),
    subtypePrecision: ratio(landedRightSubtype, landed),
    llmTokensPerTrajectory: cases.length === 0 ? 0 : round(tokens / cases.length),
    byGroup,
    confusion: toMatrix(confusion),
    cases: caseResults,
  };
}

/** Whether an intervention's subtype is the episode's, or one of its accepted alternatives. */
export function accepts(episode: LabeledEpisode, subtype: Subtype): boolean {
  return episode.subtype === subtype || (episode.alternatives ?? []).includes(subtype);
}

/** Whether any evidence step falls inside the episode's labeled range. */
export function overlaps(intervention: ScoredIntervention, episode: LabeledEpisode): boolean {
  return intervention.evidence.stepIndexes.some((step) => step >= episode.firstStep && step <= episode.lastStep);
}

/** The episode an intervention detects: undetected ones first, then an exact subtype, then the earliest. */
function bestEpisode(episodes: readonly LabeledEpisode[], intervention: ScoredIntervention, detected: ReadonlyMap<number, number>): number | undefined {
  const candidates = episodes
    .map((episode, index) => ({ episode, index }))
    .filter(({ episode }) => accepts(episode, intervention.subtype) && overlaps(intervention, episode));
  candidates.sort((a, b) =>
    Number(detected.has(a.index)) - Number(detected.has(b.index)) ||
    Number(a.episode.subtype !== intervention.subtype) - Number(b.episode.subtype !== intervention.subtype) ||
    a.episode.firstStep - b.episode.firstStep);
  return candidates[0]?.index;
}

function toScore({ tp, fp, support, detected }: Tally): Score {
  // F1 from the unrounded ratios, so rounding happens once.
  const p = tp + fp === 0 ? null : tp / (tp + fp);
  const r = support === 0 ? null : detected / support;
  const f1 = p === null || r === null ? null : p + r === 0 ? 0 : round((2 * p * r) / (p + r));
  return { precision: ratio(tp, tp + fp), recall: ratio(detected, support), f1, support, tp, fp, fn: support - detected, detected };
}

function toMatrix(cells: Map<string, Map<string, number>>): ConfusionMatrix {
  const labeled = [...cells.keys()].filter((row) => row !== NONE_ROW).sort();
  const rows = [...labeled, ...(cells.has(NONE_ROW) ? [NONE_ROW] : [])];
  const predicted = [...new Set([...cells.values()].flatMap((row) => [...row.keys()]))].filter((c) => c !== MISSED_COLUMN).sort();
  const hasMissed = [...cells.values()].some((row) => row.has(MISSED_COLUMN));
  const columns = [...predicted, ...(hasMissed ? [MISSED_COLUMN] : [])];
  return { rows, columns, counts: rows.map((row) => columns.map((column) => cells.get(row)?.get(column) ?? 0)) };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : round(numerator / denominator);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
