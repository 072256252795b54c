import { describe, expect, it } from 'vitest';
import { teamMonthly } from '../../bench/cost.ts';

describe('teamMonthly', () => {
  it('prices agents × steps a day over a 30-day month at a per-1M-steps price', () => {
    // 10 × 2,000 × 30 = 600,000 steps; 100 × 5,000 × 30 = 15 M; 1,000 × 10,000 × 30 = 300 M.
    expect(teamMonthly(2.5)).toEqual([
      { agents: 10, stepsPerDay: 2_000, stepsPerMonth: 600_000, dollars: 1.5 },
      { agents: 100, stepsPerDay: 5_000, stepsPerMonth: 15_000_000, dollars: 37.5 },
      { agents: 1_000, stepsPerDay: 10_000, stepsPerMonth: 300_000_000, dollars: 750 },
    ]);
  });
});
