/**
 * `npm run bench`: one JSON object with the detection engine's cost per step as sessions grow,
 * secret redaction on 256 KiB worst cases, and the local pipeline's latency and throughput. Medians and ratios: machines here are shared.
 */
import { runDetectionBench } from './detection.ts';
import { runPipelineBench } from './pipeline.ts';
import { runRedactionBench } from './redaction.ts';
import { runClaudeCodeHookBench } from './claudeCodeHook.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const detection = await runDetectionBench();
const redaction = runRedactionBench();
const pipeline = await runPipelineBench();
const claudeCodeHook = await runClaudeCodeHookBench();
console.log(JSON.stringify({ node: process.version, detection, redaction, pipeline, claudeCodeHook }, null, 2));
