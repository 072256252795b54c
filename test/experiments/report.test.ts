import { describe, expect, it } from 'vitest';
import type { Episode } from '../../shared/detection/episodes.ts';
import { categoryOf } from '../../shared/taxonomy.ts';
import { sessionMetrics, type SessionMetrics } from '../../shared/experiments/metrics.ts';
import { experimentReport } from '../../shared/experiments/report.ts';
import type { Comparison } from '../../shared/experiments/statistics.ts';
import type { Step } from '../../shared/steps.ts';

const episode = (subtype: Episode['subtype'], outcome?: 'resolved' | 'persisted') =>
  ({ episodeId: `ep_${Math.random()}`, sessionId: 's', category: categoryOf(subtype), subtype, firstStep: 1, openedAtStep: 3, lastMatchStep: 3, evidence: [1, 3],
    status: outcome ? 'closed' : 'open', ...(outcome ? { outcome } : {}) }) as Episode;

describe('sessionMetrics', () => {
  const steps: Step[] = [
    { index: 0, type: 'user', content: 'Fix it' },
    { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'make' }, tokens: { input: 100, output: 20 } },
    { index: 2, type: 'tool_result', content: 'error', exitCode: 2 },
    { index: 3, type: 'tool_call', toolName: 'bash', toolInput: { command: 'make' } },
    { index: 4, type: 'tool_result', content: 'boom', isError: true },
    { index: 5, type: 'tool_call', toolName: 'bash', toolInput: { command: 'ls' } },
    { index: 6, type: 'tool_result', content: 'ok', exitCode: 0 },
    { index: 7, type: 'user', content: 'Try the other target' },
    { index: 8, type: 'assistant', content: 'Done', tokens: { input: 5, output: 7 } },
  ];

  it('counts steps, tool calls, failed tool calls, tokens, later user turns and episodes per subtype and outcome', () => {
    const metrics = sessionMetrics({
      sessionId: 's', arm: 'treatment', steps, idle: false, end: undefined,
      episodes: [episode('repeated_failing_call', 'resolved'), episode('repeated_failing_call', 'persisted'), episode('error_ignored')],
    });
    expect(metrics).toEqual({
      sessionId: 's', arm: 'treatment', outcome: 'open', steps: 9, toolCalls: 3, failedToolCalls: 2, tokens: 132,
      userTurnsAfterFirst: 1, engineerInterventions: 1,
      episodes: { repeated_failing_call: { total: 2, resolved: 1, persisted: 1 }, error_ignored: { total: 1, resolved: 0, persisted: 0 } },
    });
  });

  it('takes the reported outcome and engineer interventions; a never-ended idle session is unknown', () => {
    expect(sessionMetrics({ sessionId: 's', arm: 'control', steps, episodes: [], idle: true, end: { outcome: 'failure', engineerInterventions: 4, endedAt: 'x' } }))
      .toMatchObject({ outcome: 'failure', engineerInterventions: 4 });
    expect(sessionMetrics({ sessionId: 's', arm: 'control', steps, episodes: [], idle: true, end: undefined })).toMatchObject({ outcome: 'unknown' });
  });
});

describe('experimentReport', () => {
  const session = (arm: 'treatment' | 'control', outcome: SessionMetrics['outcome'], tokens: number, resolved: number, persisted: number): SessionMetrics => ({
    sessionId: `${arm}-${tokens}`, arm, outcome, steps: 10, toolCalls: 4, failedToolCalls: arm === 'treatment' ? 1 : 2, tokens,
    userTurnsAfterFirst: 0, engineerInterventions: arm === 'treatment' ? 0 : 1,
    episodes: { repeated_failing_call: { total: resolved + persisted, resolved, persisted } },
  });
  const sessions = [
    session('treatment', 'success', 900, 1, 0), session('treatment', 'success', 1000, 1, 0), session('treatment', 'failure', 1100, 0, 1),
    session('control', 'success', 1200, 0, 1), session('control', 'failure', 1300, 1, 0), session('control', 'unknown', 1400, 0, 1),
    session('control', 'open', 5000, 0, 0),
  ];
  const report = experimentReport('nudges-v1', sessions);

  it('summarises each arm, leaving open sessions out of the comparison and unknown outcomes out of the success rate', () => {
    expect(report.arms.treatment).toMatchObject({ sessions: 3, openSessions: 0, outcomes: { success: 2, failure: 1 }, successRate: 2 / 3, toolCalls: 12, failedToolCalls: 3 });
    expect(report.arms.control).toMatchObject({ sessions: 4, openSessions: 1, outcomes: { success: 1, failure: 1, unknown: 1 }, successRate: 1 / 2 });
    expect(report.arms.treatment.means).toEqual({
      toolCallFailureRate: 0.25, failedToolCallsPerSession: 1, tokensPerSession: 1000, stepsPerSession: 10, engineerInterventionsPerSession: 0, episodesPerSession: 1,
    });
    expect(report.arms.control.means.tokensPerSession).toBe(1300);
    expect(report.arms.treatment.resolution).toEqual({ repeated_failing_call: { episodes: 3, closed: 3, resolved: 2, rate: 2 / 3 } });
    expect(report.arms.control.resolution).toEqual({ repeated_failing_call: { episodes: 3, closed: 3, resolved: 1, rate: 1 / 3 } });
  });

  it('compares every metric treatment minus control, with the resolution uplift per subtype', () => {
    const tokens = report.comparisons.tokensPerSession as Comparison;
    // Both arms: sd 100 over 3 sessions; difference −300, SE = √(2·10000/3) = 81.65, df = 4.
    expect(tokens.difference).toBe(-300);
    expect(tokens.relativeDifference).toBeCloseTo(-300 / 1300, 12);
    expect(tokens.pValue).toBeCloseTo(0.02131, 4); // scipy.stats.ttest_ind([900,1000,1100],[1200,1300,1400],equal_var=False)
    expect(Object.keys(report.comparisons).sort()).toEqual([
      'engineerInterventionsPerSession', 'episodesPerSession', 'failedToolCallsPerSession', 'stepsPerSession', 'successRate', 'tokensPerSession', 'toolCallFailureRate',
    ]);
    expect(report.resolutionUplift.repeated_failing_call).toMatchObject({ treatment: 2 / 3, control: 1 / 3, test: 'two_proportion_z' });
    expect((report.resolutionUplift.repeated_failing_call as Comparison).difference).toBeCloseTo(1 / 3, 12);
  });
});
