/**
 * `npm run bench`: one JSON object with the detection engine's cost per step as sessions grow and
 * the local pipeline's latency and throughput. Medians and ratios: machines here are shared.
 */
import { runDetectionBench } from './detection.ts';
import { runPipelineBench } from './pipeline.ts';
import { runClaudeCodeHookBench } from './claudeCodeHook.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const detection = await runDetectionBench();
const pipeline = await runPipelineBench();
const claudeCodeHook = await runClaudeCodeHookBench();
console.log(JSON.stringify({ node: process.version, detection, pipeline, claudeCodeHook }, null, 2));
