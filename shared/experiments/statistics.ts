import jStat from 'jstat';

/**
 * Treatment-vs-control comparisons for experiment reports. Distributions come from jStat; the
 * formulas are the textbook ones, so a reader can check them:
 * - means: Welch's t (unequal variances, Welch–Satterthwaite degrees of freedom);
 * - rates: the two-proportion z test (pooled standard error for the p-value, unpooled for the
 *   interval);
 * - minimum detectable effect: the smallest true difference a two-sided test at α = 0.05 finds
 *   with 80% power at the current sample sizes, (z₀.₉₇₅ + z₀.₈₀) × standard error.
 */
export const CONFIDENCE = 0.95;
export const POWER = 0.8;
const ALPHA = 1 - CONFIDENCE;
const Z_ALPHA = jStat.normal.inv(1 - ALPHA / 2, 0, 1);
const Z_POWER = jStat.normal.inv(POWER, 0, 1);

export interface Comparison {
  test: 'welch_t' | 'two_proportion_z';
  treatment: number;
  control: number;
  /** treatment − control. */
  difference: number;
  /** difference / control, null when control is 0. */
  relativeDifference: number | null;
  /** 95% confidence interval of the difference. */
  confidenceInterval: [number, number];
  pValue: number;
  minimumDetectableEffect: number;
}

/** Not enough data to compare (fewer than 2 per arm for means, none for rates). */
export interface NoComparison {
  test: Comparison['test'];
  treatment: number | null;
  control: number | null;
  insufficientData: string;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Sample variance (n − 1). */
export function sampleVariance(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1);
}

/** Welch's t test of mean(treatment) − mean(control). */
export function welchTest(treatment: readonly number[], control: readonly number[]): Comparison | NoComparison {
  if (treatment.length < 2 || control.length < 2) {
    return {
      test: 'welch_t',
      treatment: treatment.length ? mean(treatment) : null,
      control: control.length ? mean(control) : null,
      insufficientData: 'needs at least 2 sessions in each arm',
    };
  }
  const [m1, m2] = [mean(treatment), mean(control)];
  const [a, b] = [sampleVariance(treatment) / treatment.length, sampleVariance(control) / control.length];
  const standardError = Math.sqrt(a + b);
  const difference = m1 - m2;
  if (standardError === 0) {
    // Both arms constant: the difference is known exactly.
    return { test: 'welch_t', treatment: m1, control: m2, difference, relativeDifference: relative(difference, m2),
      confidenceInterval: [difference, difference], pValue: difference === 0 ? 1 : 0, minimumDetectableEffect: 0 };
  }
  const df = (a + b) ** 2 / (a ** 2 / (treatment.length - 1) + b ** 2 / (control.length - 1));
  const t = difference / standardError;
  const critical = jStat.studentt.inv(1 - ALPHA / 2, df);
  return {
    test: 'welch_t',
    treatment: m1,
    control: m2,
    difference,
    relativeDifference: relative(difference, m2),
    confidenceInterval: [difference - critical * standardError, difference + critical * standardError],
    pValue: 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)),
    minimumDetectableEffect: (Z_ALPHA + Z_POWER) * standardError,
  };
}

/** Two-proportion z test of successes/trials in treatment vs control. */
export function twoProportionTest(
  treatment: { successes: number; trials: number },
  control: { successes: number; trials: number },
): Comparison | NoComparison {
  if (treatment.trials === 0 || control.trials === 0) {
    return {
      test: 'two_proportion_z',
      treatment: treatment.trials ? treatment.successes / treatment.trials : null,
      control: control.trials ? control.successes / control.trials : null,
      insufficientData: 'needs at least 1 case in each arm',
    };
  }
  const [n1, n2] = [treatment.trials, control.trials];
  const [p1, p2] = [treatment.successes / n1, control.successes / n2];
  const pooled = (treatment.successes + control.successes) / (n1 + n2);
  const pooledError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const unpooledError = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const difference = p1 - p2;
  return {
    test: 'two_proportion_z',
    treatment: p1,
    control: p2,
    difference,
    relativeDifference: relative(difference, p2),
    confidenceInterval: [difference - Z_ALPHA * unpooledError, difference + Z_ALPHA * unpooledError],
    pValue: pooledError === 0 ? 1 : 2 * (1 - jStat.normal.cdf(Math.abs(difference) / pooledError, 0, 1)),
    minimumDetectableEffect: (Z_ALPHA + Z_POWER) * pooledError,
  };
}

const relative = (difference: number, base: number) => (base === 0 ? null : difference / base);

export const isComparison = (value: Comparison | NoComparison): value is Comparison => !('insufficientData' in value);
