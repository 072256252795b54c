import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runBaselineBench } from './baseline.ts';
import { runBundleBench } from './bundles.ts';
import { runCostBench, type LlmPrice } from './cost.ts';
import type { DetectionBenchResult } from './detection.ts';
import { runEndToEndBench } from './endToEnd.ts';
import { DEFAULT_LLM_PRICE } from './prices.ts';

/** `npm run bench` flags: --quick (the harness check `npm test` runs), --json, --llm-input-price, --llm-output-price. */
export interface BenchFlags { quick: boolean; llmPrice: LlmPrice }

export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : undefined;
  };
  const input = value('--llm-input-price');
  const output = value('--llm-output-price');
  return {
    quick: argv.includes('--quick'),
    llmPrice: input === undefined && output === undefined
      ? DEFAULT_LLM_PRICE
      : { inputPerMillionTokens: input ?? DEFAULT_LLM_PRICE.inputPerMillionTokens, outputPerMillionTokens: output ?? DEFAULT_LLM_PRICE.outputPerMillionTokens, model: 'given on the command line' },
  };
}

/** The parts issue 14 adds: cost, detector and baseline, end-to-end latency, bundles, machine. */
export async function runCostAndSpeedBench(flags: BenchFlags, detection: DetectionBenchResult) {
  const baselineRun = runBaselineBench(flags.quick ? [100, 1_000] : [100, 1_000, 10_000]);
  const longest = flags.quick ? 1_000 : 10_000;
  const detector = {
    medianMicrosPerStep: detection.medianMicrosPerStep,
    p95MicrosPerStep: detection.p95MicrosPerStep,
    stepsPerSecondAt10k: Math.round(1e6 / detection.medianMicrosPerStep[10_000]!),
    stateBytes: detection.stateBytes,
    storedStateBytes: detection.storedStateBytes,
  };
  const baseline = {
    what: 'whole-history re-scan on every step (OpenHands stuck-detector style), same steps',
    medianMicrosPerStep: baselineRun.medianMicrosPerStep,
    [`ratioToDetectorAt${longest}`]: Math.round(baselineRun.medianMicrosPerStep[longest]! / detection.medianMicrosPerStep[longest]!),
  };
  const cost = await runCostBench({ quick: flags.quick, llmPrice: flags.llmPrice });
  const endToEnd = await runEndToEndBench({ sessions: flags.quick ? 2 : 10 });
  const bundles = await runBundleBench({ importRuns: flags.quick ? 1 : 5 });
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, note: 'shared with other work while measured: figures are noisy; read medians and ratios' };
  return { cost, detector, baseline, endToEnd, bundles, machine };
}

export async function keepResults(results: unknown): Promise<void> {
  await writeFile(fileURLToPath(new URL('./results.json', import.meta.url)), `${JSON.stringify(results, null, 2)}\n`);
}
