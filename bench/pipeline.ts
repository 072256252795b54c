import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.ts';
import type { Step } from '../shared/steps.ts';

/**
 * The local pipeline under a small, bounded load on loopback: ingest latency per request (20 steps
 * each), throughput, and time from the step that completes a loop to its intervention being
 * pollable (the detector's end-to-end delay, SQS polling included). Medians and p95s, since the
 * machine is shared.
 */
export async function runPipelineBench(options: { sessions?: number; requestsPerSession?: number; stepsPerRequest?: number } = {}) {
  const sessions = options.sessions ?? 10;
  const requestsPerSession = options.requestsPerSession ?? 5;
  const stepsPerRequest = options.stepsPerRequest ?? 20;
  const stack = await startLocalStack({ port: 0, prefix: 'bench' });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { sessionId?: string } }));
    const newSession = async () => (await post('/v1/sessions', { agentId: 'bench', task: 'benchmark' })).body.sessionId!;

    // Ingest: sessions in parallel, each posting its requests in order.
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: sessions }, async () => {
      const sessionId = await newSession();
      for (let r = 0; r < requestsPerSession; r += 1) {
        const steps = Array.from({ length: stepsPerRequest }, (_, i) => exploringStep(r * stepsPerRequest + i));
        const t0 = performance.now();
        const { status } = await post(`/v1/sessions/${sessionId}/steps`, { steps });
        latencies.push(performance.now() - t0);
        if (status !== 202) throw new Error(`ingest answered ${status}`);
      }
    }));
    const ingestSeconds = (performance.now() - started) / 1000;

    // Time to intervention: the loop's completing step, then poll until the intervention is there.
    const delays: number[] = [];
    for (let s = 0; s < sessions; s += 1) {
      const sessionId = await newSession();
      const loop = failingLoopSteps();
      await post(`/v1/sessions/${sessionId}/steps`, { steps: loop.slice(0, -1) });
      const t0 = performance.now();
      await post(`/v1/sessions/${sessionId}/steps`, loop.at(-1));
      delays.push(await waitForIntervention(stack.url, stack.apiKey, sessionId, t0));
    }

    return {
      sessions,
      stepsIngested: sessions * requestsPerSession * stepsPerRequest,
      ingestRequestMs: { median: round(median(latencies)), p95: round(percentile(latencies, 0.95)) },
      ingestStepsPerSecond: Math.round((sessions * requestsPerSession * stepsPerRequest) / ingestSeconds),
      timeToInterventionMs: { median: round(median(delays)), p95: round(percentile(delays, 0.95)) },
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    await stack.stop();
  }
}

function exploringStep(index: number): Step {
  return index % 2 === 0
    ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: `cat src/module_${index}.py` } }
    : { index, type: 'tool_result', content: `def f_${index}():\n    return ${index}\n`, exitCode: 0 };
}

function failingLoopSteps(): Step[] {
  const steps: Step[] = [{ index: 0, type: 'user', content: 'Fix the import' }];
  for (let i = 0; i < 3; i += 1) {
    steps.push({ index: 1 + i * 2, type: 'tool_call', toolName: 'bash', toolInput: { command: 'python app.py' } });
    steps.push({ index: 2 + i * 2, type: 'tool_result', content: "ModuleNotFoundError: No module named 'requests'", exitCode: 1 });
  }
  return steps;
}

async function waitForIntervention(url: string, apiKey: string, sessionId: string, t0: number): Promise<number> {
  const deadline = t0 + 15_000;
  while (performance.now() < deadline) {
    const response = await fetch(`${url}/v1/sessions/${sessionId}/interventions`, { headers: { authorization: `Bearer ${apiKey}` } });
    const { interventions } = (await response.json()) as { interventions: unknown[] };
    if (interventions.length > 0) return performance.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no intervention within 15 s');
}

const median = (values: number[]) => percentile(values, 0.5);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}
const round = (value: number) => Math.round(value * 10) / 10;
