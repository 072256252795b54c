import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.ts';

/**
 * The Claude Code hook route on the local stack, as Claude Code drives it (default waits, no
 * `?wait`): answer latency per kind of event, and in which answer the nudge about a command
 * failing four times arrives (counted in failures of that command). Medians and p95s.
 */
export async function runClaudeCodeHookBench(options: { sessions?: number; cleanCalls?: number } = {}) {
  const sessions = options.sessions ?? 5;
  const cleanCalls = options.cleanCalls ?? 8;
  const stack = await startLocalStack({ port: 0, prefix: 'bench-cchook' });
  const latencies: Record<string, number[]> = {};
  const nudgedAtFailure: number[] = [];
  try {
    const hook = async (payload: Record<string, unknown>) => {
      const t0 = performance.now();
      const response = await fetch(`${stack.url}/v1/integrations/claude-code/hooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await response.json()) as Record<string, unknown>;
      (latencies[payload.hook_event_name as string] ??= []).push(performance.now() - t0);
      return answer;
    };
    for (let s = 0; s < sessions; s += 1) {
      const common = { session_id: `bench-${process.pid}-${s}`, transcript_path: '/tmp/t.jsonl', cwd: '/work/project', permission_mode: 'default' };
      let id = 0;
      const tool = (event: string, command: string, extra: Record<string, unknown>) =>
        ({ ...common, hook_event_name: event, tool_name: 'Bash', tool_input: { command }, tool_use_id: `toolu_${s}_${id}`, ...extra });
      await hook({ ...common, hook_event_name: 'UserPromptSubmit', prompt: 'Fix the import error in app.py' });
      for (let c = 0; c < cleanCalls; c += 1) {
        id += 1;
        await hook(tool('PreToolUse', `cat src/module_${c}.py`, {}));
        await hook(tool('PostToolUse', `cat src/module_${c}.py`, { tool_response: { stdout: `def f_${c}(): pass`, stderr: '', interrupted: false, isImage: false } }));
      }
      let nudgedAt = 0;
      for (let f = 1; f <= 4; f += 1) {
        id += 1;
        const pre = await hook(tool('PreToolUse', 'python app.py', {}));
        const post = await hook(tool('PostToolUseFailure', 'python app.py', { error: "Exit code 1\nModuleNotFoundError: No module named 'requests'" }));
        if (!nudgedAt && Object.keys(pre).length > 0) nudgedAt = f - 0.5;
        if (!nudgedAt && Object.keys(post).length > 0) nudgedAt = f;
      }
      await hook({ ...common, hook_event_name: 'Stop', stop_hook_active: false });
      nudgedAtFailure.push(nudgedAt);
    }
    return {
      sessions,
      answerMs: Object.fromEntries(Object.entries(latencies).map(([event, values]) => [event, { median: round(median(values)), p95: round(percentile(values, 0.95)), n: values.length }])),
      nudgedAtFailure,
    };
  } finally {
    await stack.stop();
  }
}

const median = (values: number[]) => percentile(values, 0.5);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}
const round = (value: number) => Math.round(value * 10) / 10;
