import { performance } from 'node:perf_hooks';
import type { Step } from '../shared/steps.ts';
import { syntheticSession } from './detection.ts';

/**
 * The straightforward alternative to incremental detection: on every new step, re-scan the whole
 * history, as OpenHands' stuck detector does (written here from that description, not its code):
 * pair each call with its result, then look for the same call repeated with the same result, the
 * same command failing again and again, and the same file edited back and forth. Same steps, same
 * measurement as bench/detection.ts (the last 100 steps of each length, least disturbed of a few
 * repeats, median); the figure that matters is its ratio to the detector.
 */
const SESSION_LENGTHS = [100, 1_000, 10_000] as const;
const MEASURED_STEPS = 100;
const REPEATS = 3;

export function rescanHistory(history: readonly Step[]): { repeatedCalls: number; repeatedFailures: number; editChurn: number } {
  const pairs: Array<{ call: string; result: string; failed: boolean; path?: string }> = [];
  for (let i = 0; i < history.length; i += 1) {
    const step = history[i]!;
    if (step.type !== 'tool_call') continue;
    const next = history[i + 1];
    const result = next?.type === 'tool_result' ? next : undefined;
    const input = step.toolInput as Record<string, unknown> | undefined;
    pairs.push({
      call: `${step.toolName} ${JSON.stringify(input)}`,
      result: result?.content ?? '',
      failed: (result?.exitCode ?? 0) !== 0,
      ...(typeof input?.path === 'string' && input.command === 'str_replace' ? { path: input.path } : {}),
    });
  }
  const seen = new Map<string, number>();
  const failures = new Map<string, number>();
  const edits = new Map<string, number>();
  let repeatedCalls = 0;
  let repeatedFailures = 0;
  let editChurn = 0;
  for (const pair of pairs) {
    const key = `${pair.call}\u0000${pair.result}`;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    if (count >= 3) repeatedCalls += 1;
    if (pair.failed) {
      const f = (failures.get(pair.call) ?? 0) + 1;
      failures.set(pair.call, f);
      if (f >= 3) repeatedFailures += 1;
    }
    if (pair.path) {
      const e = (edits.get(pair.path) ?? 0) + 1;
      edits.set(pair.path, e);
      if (e >= 4) editChurn += 1;
    }
  }
  return { repeatedCalls, repeatedFailures, editChurn };
}

export function runBaselineBench(lengths: readonly number[] = SESSION_LENGTHS): { medianMicrosPerStep: Record<string, number> } {
  const steps = syntheticSession(Math.max(...lengths));
  rescanHistory(steps.slice(0, 2_000)); // warm the JIT
  const medians: Record<string, number> = {};
  for (const length of lengths) {
    const costs: number[] = [];
    for (let end = length - MEASURED_STEPS + 1; end <= length; end += 1) {
      const history = steps.slice(0, end);
      let best = Infinity;
      for (let r = 0; r < REPEATS; r += 1) {
        const t0 = performance.now();
        rescanHistory(history);
        best = Math.min(best, performance.now() - t0);
      }
      costs.push(best * 1000);
    }
    costs.sort((a, b) => a - b);
    medians[length] = Math.round(costs[Math.floor(costs.length / 2)]! * 100) / 100;
  }
  return { medianMicrosPerStep: medians };
}
