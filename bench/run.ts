/**
 * `npm run bench`: one JSON object with the detection engine's cost per step as sessions grow,
 * secret redaction on 256 KiB worst cases, the local pipeline's latency and throughput, and
 * per-session contention (one session, a burst of single-step posts, 10 detector workers).
 * Medians and ratios: machines here are shared.
 */
import { runContentionHarness } from './contention.ts';
import { runDetectionBench } from './detection.ts';
import { runPipelineBench } from './pipeline.ts';
import { runRedactionBench } from './redaction.ts';
import { runClaudeCodeHookBench } from './claudeCodeHook.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const detection = await runDetectionBench();
const redaction = runRedactionBench();
const pipeline = await runPipelineBench();
const claudeCodeHook = await runClaudeCodeHookBench();
const contention = await runContentionHarness({ posts: 50, workers: 10, prefix: 'bench-contention', timeoutMs: 120_000 });
console.log(JSON.stringify({ node: process.version, detection, redaction, pipeline, claudeCodeHook, contention }, null, 2));
