/**
 * `npm run bench [-- --json] [-- --quick]`: one JSON object with the detection engine's cost per
 * step as sessions grow, the local pipeline's latency and throughput, and (bench/report.ts) cost per
 * 1M steps, baseline ratio, end-to-end latency, bundle sizes and the machine. Medians and ratios:
 * machines here are shared. The full run is kept in bench/results.json; --quick only proves the
 * harness works (npm test runs it).
 */
import { runDetectionBench } from './detection.ts';
import { runPipelineBench } from './pipeline.ts';
import { runClaudeCodeHookBench } from './claudeCodeHook.ts';
import { keepResults, parseBenchFlags, runCostAndSpeedBench } from './report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const flags = parseBenchFlags(process.argv.slice(2));

const detection = await runDetectionBench();
const pipeline = await runPipelineBench(flags.quick ? { sessions: 2, requestsPerSession: 2 } : {});
const claudeCodeHook = await runClaudeCodeHookBench(flags.quick ? { sessions: 1, cleanCalls: 2 } : {});
const costAndSpeed = await runCostAndSpeedBench(flags, detection);
const results = { node: process.version, quick: flags.quick, ...costAndSpeed, detection, pipeline, claudeCodeHook };
if (!flags.quick) await keepResults(results);
console.log(JSON.stringify(results, null, 2));
