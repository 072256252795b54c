import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DEFAULT_THRESHOLDS } from '../shared/detection/config.ts';
import { initialDetectionState, observeSteps, type DetectionState } from '../shared/detection/engine.ts';
import type { SessionSpec } from '../shared/detection/types.ts';
import type { Step } from '../shared/steps.ts';
import { encodeDetection } from '../shared/store/detectionCodec.ts';

/**
 * Per-step cost of observeSteps as a session grows, and the size of the state it persists.
 * For each session length L, the first L-100 steps are observed (in batches of 20, as the pipeline
 * does), then each of the last 100 steps is observed on its own, REPEATS times from the same state
 * (observeSteps is pure, so repeats measure the same work); a step's cost is the minimum of its
 * repeats (least disturbed by the shared machine) and the figure is the median over the 100.
 * Flat detection means cost(10 000) / cost(100) stays near 1.
 */
const SESSION_LENGTHS = [100, 1_000, 10_000] as const;
const MEASURED_STEPS = 100;
const REPEATS = 5;
const BATCH = 20;

const session: SessionSpec = {
  sessionId: 'bench',
  task: 'Fix the timezone bug in src/scheduler/cron.py so that tests/test_cron.py passes.',
  constraints: [],
  policy: { forbiddenPaths: ['migrations/**', '**/.env'], forbiddenCommands: ['git push', 'rm -rf /'] },
};

export interface DetectionBenchResult {
  measuredStepsPerLength: number;
  medianMicrosPerStep: Record<string, number>;
  p95MicrosPerStep: Record<string, number>;
  costRatio10kTo100: number;
  costRatio1kTo100: number;
  /** The state as JSON, and as stored on the session item (deflated: shared/store/detectionCodec.ts). */
  stateBytes: Record<string, number>;
  storedStateBytes: Record<string, number>;
  maxStateBytes: number;
  interventionsAt10k: number;
}

export function runDetectionBench(): DetectionBenchResult {
  const steps = syntheticSession(Math.max(...SESSION_LENGTHS));
  // Warm the JIT on a throwaway session so the first length is not charged for compilation.
  observeAll(steps.slice(0, 2_000));

  const medians: Record<string, number> = {};
  const p95s: Record<string, number> = {};
  const stateBytes: Record<string, number> = {};
  const storedStateBytes: Record<string, number> = {};
  let interventionsAt10k = 0;
  for (const length of SESSION_LENGTHS) {
    const { state, interventions } = observeAll(steps.slice(0, length - MEASURED_STEPS));
    let current = state;
    const costs: number[] = [];
    for (const step of steps.slice(length - MEASURED_STEPS, length)) {
      let best = Infinity;
      for (let r = 0; r < REPEATS; r += 1) {
        const t0 = performance.now();
        observeSteps(session, current, [step], { thresholds: DEFAULT_THRESHOLDS });
        best = Math.min(best, performance.now() - t0);
      }
      costs.push(best * 1000);
      current = observeSteps(session, current, [step], { thresholds: DEFAULT_THRESHOLDS }).state;
    }
    medians[length] = round(percentile(costs, 0.5));
    p95s[length] = round(percentile(costs, 0.95));
    stateBytes[length] = Buffer.byteLength(JSON.stringify(current));
    storedStateBytes[length] = storedBytes(current);
    if (length === 10_000) interventionsAt10k = interventions;
  }
  return {
    measuredStepsPerLength: MEASURED_STEPS,
    medianMicrosPerStep: medians,
    p95MicrosPerStep: p95s,
    costRatio10kTo100: round(medians[10_000]! / medians[100]!),
    costRatio1kTo100: round(medians[1_000]! / medians[100]!),
    stateBytes,
    storedStateBytes,
    maxStateBytes: Math.max(...Object.values(stateBytes)),
    interventionsAt10k,
  };
}

/** What the session item holds for the state: nextIndex and the deflated rest. */
function storedBytes(state: DetectionState): number {
  const stored = encodeDetection(state);
  return Buffer.byteLength(JSON.stringify({ nextIndex: stored.nextIndex })) + stored.deflated.length;
}

function observeAll(steps: readonly Step[]): { state: DetectionState; interventions: number } {
  let state = initialDetectionState();
  let interventions = 0;
  for (let i = 0; i < steps.length; i += BATCH) {
    const observation = observeSteps(session, state, steps.slice(i, i + BATCH), { thresholds: DEFAULT_THRESHOLDS });
    interventions += observation.interventions.length;
    state = JSON.parse(JSON.stringify(observation.state)) as DetectionState;
  }
  return { state, interventions };
}

/**
 * A long, ordinary coding session: thoughts, file reads, searches, edits, test runs (failing, then
 * passing), with outputs of realistic size. Deterministic (seeded), so runs compare.
 */
export function syntheticSession(length: number): Step[] {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const steps: Step[] = [{ index: 0, type: 'user', content: session.task }];
  const source = (n: number) => Array.from({ length: 40 }, (_, i) => `${i + 1}: def handler_${n}_${i}(event, context):  # line ${i}`).join('\n');
  while (steps.length < length) {
    const index = steps.length;
    const module = random(3000);
    const kind = random(10);
    const turn: Array<Omit<Step, 'index'>> = [{ type: 'assistant', content: `Looking at module ${module}: the scheduler computes the next run in local time; checking how ${module} handles UTC offsets.` }];
    if (kind < 4) {
      turn.push({ type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'view', path: `/repo/src/mod_${module}.py` } });
      turn.push({ type: 'tool_result', content: source(module) });
    } else if (kind < 6) {
      turn.push({ type: 'tool_call', toolName: 'bash', toolInput: { command: `grep -rn "tz_${module}" src/ | head -30` } });
      turn.push({ type: 'tool_result', content: Array.from({ length: 12 }, (_, i) => `src/mod_${module + i}.py:${i * 7}: tz_${module} = utc`).join('\n'), exitCode: 0 });
    } else if (kind < 8) {
      turn.push({ type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'str_replace', path: `/repo/src/mod_${module}.py`, old_str: `tz_${index}`, new_str: `tz_${index + 1}` } });
      turn.push({ type: 'tool_result', content: `The file /repo/src/mod_${module}.py has been edited.` });
    } else {
      const failing = random(2) === 0;
      turn.push({ type: 'tool_call', toolName: 'bash', toolInput: { command: `python -m pytest tests/test_mod_${module}.py -q` } });
      turn.push({
        type: 'tool_result',
        content: failing
          ? `F..\n${'E   AssertionError: assert offset == 0\n'.repeat(10)}FAILED tests/test_mod_${module}.py::test_tz - AssertionError\n=== 1 failed, 2 passed in 0.${random(90)}s ===`
          : `...\n=== 3 passed in 0.${random(90)}s ===`,
        exitCode: failing ? 1 : 0,
      });
    }
    for (const draft of turn) if (steps.length < length) steps.push({ index: steps.length, ...draft } as Step);
  }
  return steps;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

const round = (value: number) => Math.round(value * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(runDetectionBench()));
}
