import { SUBTYPES, type Subtype } from '../taxonomy.ts';
import type { SessionMetrics } from './metrics.ts';
import { mean, twoProportionTest, welchTest, type Comparison, type NoComparison } from './statistics.ts';
import type { Arm } from './session.ts';

/** Per-session means compared with Welch's t. */
export const MEAN_METRICS = [
  'toolCallFailureRate',
  'failedToolCallsPerSession',
  'tokensPerSession',
  'stepsPerSession',
  'engineerInterventionsPerSession',
  'episodesPerSession',
] as const;
type MeanMetric = (typeof MEAN_METRICS)[number];

export interface ArmSummary {
  sessions: number;
  /** Not ended and not yet idle: counted here, left out of every comparison. */
  openSessions: number;
  outcomes: Record<string, number>;
  /** success / sessions with a known outcome (success, failure or abandoned). */
  successRate: number | null;
  toolCalls: number;
  failedToolCalls: number;
  /** Per-session means over the arm's compared sessions. */
  means: Record<MeanMetric, number | null>;
  /** Per subtype: closed episodes and the share that resolved (in control: by itself). */
  resolution: Partial<Record<Subtype, { episodes: number; closed: number; resolved: number; rate: number | null }>>;
}

export interface ExperimentReport {
  experiment: string;
  arms: Record<Arm, ArmSummary>;
  /** Treatment minus control, per metric, with a 95% interval, p-value and minimum detectable effect. */
  comparisons: Record<'successRate' | MeanMetric, Comparison | NoComparison>;
  /** The headline: treatment's resolution rate minus control's self-resolution rate, per subtype. */
  resolutionUplift: Partial<Record<Subtype, Comparison | NoComparison>>;
  notes: string[];
}

const perSession: Record<MeanMetric, (m: SessionMetrics) => number | undefined> = {
  toolCallFailureRate: (m) => (m.toolCalls > 0 ? m.failedToolCalls / m.toolCalls : undefined),
  failedToolCallsPerSession: (m) => m.failedToolCalls,
  tokensPerSession: (m) => m.tokens,
  stepsPerSession: (m) => m.steps,
  engineerInterventionsPerSession: (m) => m.engineerInterventions,
  episodesPerSession: (m) => Object.values(m.episodes).reduce((sum, counts) => sum + (counts?.total ?? 0), 0),
};

/** Builds the report from per-session metrics; pure, so it is tested without storage. */
export function experimentReport(experiment: string, sessions: readonly SessionMetrics[]): ExperimentReport {
  const compared = sessions.filter((s) => s.outcome !== 'open');
  const ofArm = (arm: Arm) => compared.filter((s) => s.arm === arm);
  const values = (arm: Arm, metric: MeanMetric) => ofArm(arm).map(perSession[metric]).filter((v): v is number => v !== undefined);
  const successes = (arm: Arm) => {
    const known = ofArm(arm).filter((s) => s.outcome !== 'unknown');
    return { successes: known.filter((s) => s.outcome === 'success').length, trials: known.length };
  };
  const episodesOf = (arm: Arm, subtype: Subtype) => {
    const counts = ofArm(arm).map((s) => s.episodes[subtype]).filter((c) => c !== undefined);
    const resolved = counts.reduce((sum, c) => sum + c.resolved, 0);
    const closed = counts.reduce((sum, c) => sum + c.resolved + c.persisted, 0);
    return { episodes: counts.reduce((sum, c) => sum + c.total, 0), closed, resolved };
  };
  const subtypes = SUBTYPES.filter((subtype) => compared.some((s) => s.episodes[subtype]));

  const summary = (arm: Arm): ArmSummary => {
    const all = sessions.filter((s) => s.arm === arm);
    const success = successes(arm);
    return {
      sessions: all.length,
      openSessions: all.filter((s) => s.outcome === 'open').length,
      outcomes: countBy(ofArm(arm).map((s) => s.outcome)),
      successRate: success.trials ? success.successes / success.trials : null,
      toolCalls: ofArm(arm).reduce((sum, s) => sum + s.toolCalls, 0),
      failedToolCalls: ofArm(arm).reduce((sum, s) => sum + s.failedToolCalls, 0),
      means: Object.fromEntries(MEAN_METRICS.map((metric) => {
        const v = values(arm, metric);
        return [metric, v.length ? mean(v) : null];
      })) as Record<MeanMetric, number | null>,
      resolution: Object.fromEntries(subtypes.map((subtype) => {
        const e = episodesOf(arm, subtype);
        return [subtype, { ...e, rate: e.closed ? e.resolved / e.closed : null }];
      })),
    };
  };

  return {
    experiment,
    arms: { treatment: summary('treatment'), control: summary('control') },
    comparisons: {
      successRate: twoProportionTest(successes('treatment'), successes('control')),
      ...(Object.fromEntries(MEAN_METRICS.map((metric) => [metric, welchTest(values('treatment', metric), values('control', metric))])) as Record<MeanMetric, Comparison | NoComparison>),
    },
    resolutionUplift: Object.fromEntries(subtypes.map((subtype) => {
      const t = episodesOf('treatment', subtype);
      const c = episodesOf('control', subtype);
      return [subtype, twoProportionTest({ successes: t.resolved, trials: t.closed }, { successes: c.resolved, trials: c.closed })];
    })),
    notes: [
      'Differences are treatment minus control; intervals are 95%; the minimum detectable effect is for 80% power at α = 0.05.',
      'Means use Welch\'s t over sessions; rates use a two-proportion z test.',
      'Resolution uplift counts closed episodes as independent trials; episodes of one session are not, so read its interval as optimistic.',
      'Sessions never ended count as outcome "unknown" once idle; open sessions are left out of comparisons.',
    ],
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
