/**
 * `npm run bench [-- --json] [-- --quick]`: one JSON object with the detection engine's cost per
 * step as sessions grow, secret redaction on 256 KiB worst cases, the local pipeline's latency and
 * throughput, per-session contention (one session, a burst of single-step posts, 10 detector
 * workers), and (bench/report.ts) cost per 1M steps, baseline ratio, end-to-end latency, bundle
 * sizes and the machine. Medians and ratios: machines here are shared. The full run is kept in
 * bench/results.json; --quick only proves the harness works (npm test runs it). Each part that
 * starts a local stack runs in a fresh process (bench/freshProcess.ts).
 */
import { fileURLToPath } from 'node:url';
import type { runContentionHarness } from './contention.ts';
import { runDetectionBench } from './detection.ts';
import type { runPipelineBench } from './pipeline.ts';
import { runRedactionBench } from './redaction.ts';
import type { runClaudeCodeHookBench } from './claudeCodeHook.ts';
import { runInFreshProcess } from './freshProcess.ts';
import { keepResults, parseBenchFlags, runCostAndSpeedBench } from './report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const flags = parseBenchFlags(process.argv.slice(2));

const detection = await runDetectionBench();
const redaction = runRedactionBench();
const part = <T>(file: string, name: string, options: unknown) => runInFreshProcess<T>(fileURLToPath(new URL(file, import.meta.url)), name, options);
const pipeline = await part<Awaited<ReturnType<typeof runPipelineBench>>>('./pipeline.ts', 'runPipelineBench', flags.quick ? { sessions: 2, requestsPerSession: 2 } : {});
const claudeCodeHook = await part<Awaited<ReturnType<typeof runClaudeCodeHookBench>>>('./claudeCodeHook.ts', 'runClaudeCodeHookBench', flags.quick ? { sessions: 1, cleanCalls: 2 } : {});
const contention = await part<Awaited<ReturnType<typeof runContentionHarness>>>('./contention.ts', 'runContentionHarness',
  { posts: flags.quick ? 5 : 50, workers: flags.quick ? 2 : 10, prefix: 'bench-contention', timeoutMs: 120_000 });
const costAndSpeed = await runCostAndSpeedBench(flags, detection);
const results = { node: process.version, quick: flags.quick, ...costAndSpeed, detection, redaction, pipeline, claudeCodeHook, contention };
if (!flags.quick) await keepResults(results);
console.log(JSON.stringify(results, null, 2));
