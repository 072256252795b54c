/** Seeded randomness for statistical simulations: the same seed gives the same samples everywhere. */
export function seededRandom(seed: number): () => number {
  // mulberry32: small, fast, and well spread for simulation (not for secrets).
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal samples by Box–Muller. */
export function normalSampler(random: () => number) {
  return (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface SimulationRates {
  repetitions: number;
  /** Share of repetitions whose 95% interval covered the true difference. */
  coverage: number;
  /** Share of repetitions with p < 0.05. */
  rejections: number;
}
