import { describe, expect, it } from 'vitest';
import { isComparison, twoProportionTest, welchTest, type Comparison } from '../../shared/experiments/statistics.ts';
import { normalSampler, seededRandom } from './simulation.ts';

const REPETITIONS = 200;

describe('welchTest', () => {
  it('matches a hand-computed case (checked with scipy.stats.ttest_ind(equal_var=False))', () => {
    // treatment mean 2.5, variance 5/3; control mean 6, variance 10; SE = √(5/12 + 2) = 1.55456;
    // df = (29/12)² / ((5/12)²/3 + 2²/4) = 5.52079; t = −3.5 / 1.55456 = −2.25144.
    const result = welchTest([1, 2, 3, 4], [2, 4, 6, 8, 10]) as Comparison;
    expect(result.difference).toBeCloseTo(-3.5, 10);
    expect(result.relativeDifference).toBeCloseTo(-3.5 / 6, 10);
    expect(result.pValue).toBeCloseTo(0.0691336, 6);
    expect(result.confidenceInterval[0]).toBeCloseTo(-7.385368, 5);
    expect(result.confidenceInterval[1]).toBeCloseTo(0.385368, 5);
    // (z₀.₉₇₅ + z₀.₈₀) × SE = 2.801585 × 1.554563.
    expect(result.minimumDetectableEffect).toBeCloseTo(4.355249, 4);
  });

  it('says when an arm has fewer than 2 sessions, and handles constant arms', () => {
    expect(welchTest([1], [1, 2])).toMatchObject({ insufficientData: expect.stringContaining('2 sessions'), treatment: 1, control: 1.5 });
    expect(welchTest([3, 3], [3, 3])).toMatchObject({ difference: 0, pValue: 1, confidenceInterval: [0, 0] });
  });

  it('on seeded simulations, covers the true difference in ≈95% of repetitions and rejects a zero effect in ≈5%', () => {
    const random = seededRandom(20261201);
    const normal = normalSampler(random);
    const sample = (n: number, m: number, sd: number) => Array.from({ length: n }, () => normal(m, sd));
    let covered = 0;
    let falsePositives = 0;
    for (let rep = 0; rep < REPETITIONS; rep += 1) {
      // Unequal variances and sizes: the case Welch is for. True difference −30 (tokens-like).
      const withEffect = welchTest(sample(40, 970, 120), sample(60, 1000, 80)) as Comparison;
      if (withEffect.confidenceInterval[0] <= -30 && -30 <= withEffect.confidenceInterval[1]) covered += 1;
      const noEffect = welchTest(sample(40, 1000, 120), sample(60, 1000, 80)) as Comparison;
      if (noEffect.pValue < 0.05) falsePositives += 1;
    }
    // Binomial sd over 200 repetitions is ≈1.5 points: these bounds are ±3 sd around 95% and 5%.
    expect(covered / REPETITIONS).toBeGreaterThanOrEqual(0.9);
    expect(covered / REPETITIONS).toBeLessThanOrEqual(0.995);
    expect(falsePositives / REPETITIONS).toBeGreaterThanOrEqual(0.005);
    expect(falsePositives / REPETITIONS).toBeLessThanOrEqual(0.1);
    expect({ coverage: covered / REPETITIONS, falsePositiveRate: falsePositives / REPETITIONS }).toMatchInlineSnapshot(`
      {
        "coverage": 0.97,
        "falsePositiveRate": 0.065,
      }
    `);
  });
});

describe('twoProportionTest', () => {
  it('matches a hand-computed case: 45/100 vs 30/100', () => {
    // pooled p = 0.375, SE₀ = √(0.375·0.625·0.02) = 0.0684653, z = 2.19089, p = 0.0284597;
    // unpooled SE = √(0.002475 + 0.0021) = 0.0676387, CI = 0.15 ± 1.959964 × SE.
    const result = twoProportionTest({ successes: 45, trials: 100 }, { successes: 30, trials: 100 }) as Comparison;
    expect(result.difference).toBeCloseTo(0.15, 12);
    expect(result.relativeDifference).toBeCloseTo(0.5, 12);
    expect(result.pValue).toBeCloseTo(0.0284597, 6);
    expect(result.confidenceInterval[0]).toBeCloseTo(0.0174305, 6);
    expect(result.confidenceInterval[1]).toBeCloseTo(0.2825695, 6);
    expect(result.minimumDetectableEffect).toBeCloseTo(0.1918114, 6);
  });

  it('says when an arm has no cases, and gives p = 1 when both arms are all-or-nothing alike', () => {
    expect(isComparison(twoProportionTest({ successes: 0, trials: 0 }, { successes: 1, trials: 2 }))).toBe(false);
    expect(twoProportionTest({ successes: 5, trials: 5 }, { successes: 3, trials: 3 })).toMatchObject({ difference: 0, pValue: 1 });
  });

  it('on seeded simulations, covers the true difference in ≈95% of repetitions and rejects a zero effect in ≈5%', () => {
    const random = seededRandom(7);
    const successes = (n: number, p: number) => Array.from({ length: n }, () => random() < p).filter(Boolean).length;
    let covered = 0;
    let falsePositives = 0;
    for (let rep = 0; rep < REPETITIONS; rep += 1) {
      // Resolution-rate-like: 90% with nudges vs 75% on its own, 300 episodes per arm.
      const withEffect = twoProportionTest({ successes: successes(300, 0.9), trials: 300 }, { successes: successes(300, 0.75), trials: 300 }) as Comparison;
      if (withEffect.confidenceInterval[0] <= 0.15 && 0.15 <= withEffect.confidenceInterval[1]) covered += 1;
      const noEffect = twoProportionTest({ successes: successes(300, 0.75), trials: 300 }, { successes: successes(300, 0.75), trials: 300 }) as Comparison;
      if (noEffect.pValue < 0.05) falsePositives += 1;
    }
    expect(covered / REPETITIONS).toBeGreaterThanOrEqual(0.9);
    expect(covered / REPETITIONS).toBeLessThanOrEqual(0.995);
    expect(falsePositives / REPETITIONS).toBeGreaterThanOrEqual(0.005);
    expect(falsePositives / REPETITIONS).toBeLessThanOrEqual(0.1);
    expect({ coverage: covered / REPETITIONS, falsePositiveRate: falsePositives / REPETITIONS }).toMatchInlineSnapshot(`
      {
        "coverage": 0.96,
        "falsePositiveRate": 0.055,
      }
    `);
  });
});
