import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalStack } from '../local/stack.ts';
import type { Step } from '../shared/steps.ts';
import { startWebhookReceiver } from '../test/support/webhookReceiver.ts';

/**
 * Step accepted (its POST answered 202) → intervention recorded (visible on the API, polled every
 * 5 ms) and → webhook received, for N sessions at once on the local stack, in a fresh process.
 * Bounded: each session waits at most 20 s. The local SQS pollers long-poll with a 1 s wait and
 * hand batches over as they arrive, like Lambda's event source mapping, so they add little besides
 * the SQS round trips; DynamoDB Local is the slow part here.
 */
export async function runEndToEndBench(options: { sessions?: number } = {}) {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--child', String(options.sessions ?? 10)], {
    timeout: 90_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof measure>>;
}

async function measure(sessions: number) {
  const receiver = await startWebhookReceiver();
  const arrivals = new Map<string, number>();
  const originalPush = receiver.received.push.bind(receiver.received);
  receiver.received.push = (...items) => {
    for (const item of items) arrivals.set(String(item.headers['x-wink-session-id'] ?? JSON.parse(item.body).sessionId), performance.now());
    return originalPush(...items);
  };
  const stack = await startLocalStack({ port: 0, prefix: `e2e${process.pid}` });
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
      return (await response.json()) as { sessionId?: string; interventions?: unknown[] };
    };
    const recorded: number[] = [];
    const webhook: number[] = [];
    await Promise.all(Array.from({ length: sessions }, async () => {
      const { sessionId } = await call('POST', '/v1/sessions', { agentId: 'bench', task: 'Fix the import', webhook: { url: receiver.url } });
      const loop = failingLoop();
      await call('POST', `/v1/sessions/${sessionId}/steps`, { steps: loop.slice(0, -1) });
      await call('POST', `/v1/sessions/${sessionId}/steps`, loop.at(-1));
      const t0 = performance.now();
      const deadline = t0 + 20_000;
      while (performance.now() < deadline) {
        if ((await call('GET', `/v1/sessions/${sessionId}/interventions`)).interventions?.length) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      recorded.push(performance.now() - t0);
      while (!arrivals.has(sessionId!) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      webhook.push((arrivals.get(sessionId!) ?? NaN) - t0);
    }));
    return {
      sessionsAtOnce: sessions,
      acceptedToInterventionRecordedMs: { p50: pct(recorded, 0.5), p99: pct(recorded, 0.99) },
      acceptedToWebhookReceivedMs: { p50: pct(webhook, 0.5), p99: pct(webhook, 0.99) },
      note: 'local stack on a shared, loaded 2-core machine; recorded = first poll that sees it (5 ms polling)',
    };
  } finally {
    await stack.stop();
    await receiver.close();
  }
}

function failingLoop(): Step[] {
  const steps: Step[] = [{ index: 0, type: 'user', content: 'Fix the import' }];
  for (let i = 0; i < 3; i += 1) {
    steps.push({ index: 1 + i * 2, type: 'tool_call', toolName: 'bash', toolInput: { command: 'python app.py' } });
    steps.push({ index: 2 + i * 2, type: 'tool_result', content: "ModuleNotFoundError: No module named 'requests'", exitCode: 1 });
  }
  return steps;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) * 10) / 10;
}

if (process.argv[2] === '--child') {
  process.stdout.write(`${JSON.stringify(await measure(Number(process.argv[3])))}\n`);
  process.exit(0);
}
