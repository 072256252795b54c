import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { loadTrajectory } from '../shared/adapters/index.ts';
import type { Step } from '../shared/steps.ts';
import { verifyWebhook } from '../shared/webhook/signature.ts';
import type { LocalStack } from './stack.ts';

/**
 * Bundled samples: an agent that retries a failing command, a real clean SWE-agent run, and a real
 * SWE-agent run that submits the same wrong answer over and over.
 */
const DEMO_TRAJECTORIES = [
  fileURLToPath(new URL('./demo/looping-agent.jsonl', import.meta.url)),
  fileURLToPath(new URL('../test/fixtures/trajectories/swe-agent-function-calling.traj', import.meta.url)),
  fileURLToPath(new URL('../test/fixtures/trajectories/swe-agent-repeated-submit.traj', import.meta.url)),
];

const STEPS_PER_REQUEST = 100;
const DEMO_TIMEOUT_MS = 30_000;

/**
 * Plays each sample trajectory into the running stack exactly as an agent would (create a session
 * with a webhook, post its steps), waits until detection has caught up, then prints the verdicts,
 * the interventions and what the webhook received (with its signature checked).
 */
export async function runDemo(stack: LocalStack): Promise<void> {
  const webhook = await startDemoWebhook();
  try {
    for (const path of DEMO_TRAJECTORIES) {
      const trajectory = await loadTrajectory(path);
      console.log(`\n▶ ${trajectory.source} (${trajectory.format}, ${trajectory.steps.length} steps)`);
      const api = demoClient(stack);
      const session = await api('POST', '/v1/sessions', {
        agentId: 'wink-demo',
        task: trajectory.task ?? 'Complete the task',
        webhook: { url: webhook.url },
      });
      for (let start = 0; start < trajectory.steps.length; start += STEPS_PER_REQUEST) {
        await api('POST', `/v1/sessions/${session.sessionId}/steps`, { steps: trajectory.steps.slice(start, start + STEPS_PER_REQUEST) });
      }
      const summary = await waitForDetection(api, session.sessionId, lastIndex(trajectory.steps));
      await waitForDeliveries(webhook.received, session.sessionId, summary.interventions.length);
      printSummary(summary, webhook.received.filter((d) => d.body.includes(session.sessionId)), session.webhookSecret);
    }
  } finally {
    await webhook.close();
  }
}

type Api = (method: string, path: string, body?: unknown) => Promise<any>;

function demoClient(stack: LocalStack): Api {
  return async (method, path, body) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
}

async function waitForDetection(api: Api, sessionId: string, lastStep: number) {
  const deadline = Date.now() + DEMO_TIMEOUT_MS;
  for (;;) {
    const summary = await api('GET', `/v1/sessions/${sessionId}`);
    if (summary.processedThrough >= lastStep) return summary;
    if (Date.now() > deadline) throw new Error(`detection did not reach step ${lastStep} within ${DEMO_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitForDeliveries(received: DemoDelivery[], sessionId: string, expected: number) {
  const deadline = Date.now() + DEMO_TIMEOUT_MS;
  while (received.filter((d) => d.body.includes(sessionId)).length < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function printSummary(summary: any, deliveries: DemoDelivery[], secret: string) {
  console.log(`  steps: ${summary.stepCount}, verdicts: ${summary.verdicts.length}, interventions: ${summary.interventions.length}`);
  for (const verdict of summary.verdicts) {
    console.log(`  verdict  step ${verdict.stepIndex}: ${verdict.category}/${verdict.subtype} (episode ${verdict.episodeId})`);
  }
  for (const intervention of summary.interventions) {
    console.log(`  intervention ${intervention.interventionId}: ${intervention.category}/${intervention.subtype}`);
    console.log(`    ${intervention.guidance}`);
  }
  for (const delivery of deliveries) {
    const valid = verifyWebhook(secret, delivery.body, delivery.headers);
    console.log(`  webhook received ${delivery.deliveryId} (signature ${valid ? 'valid' : 'INVALID'})`);
  }
  if (summary.interventions.length === 0) console.log('  no misbehavior detected: no intervention sent');
}

interface DemoDelivery {
  deliveryId: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function startDemoWebhook() {
  const received: DemoDelivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        deliveryId: String(req.headers['webhook-id']),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function lastIndex(steps: readonly Step[]): number {
  return steps.reduce((max, step) => Math.max(max, step.index), -1);
}
