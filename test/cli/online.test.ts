import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Trajectory } from '../../shared/adapters/index.ts';
import { MAX_STEP_BYTES, MAX_STEPS_PER_REQUEST, StepSchema, type Step } from '../../shared/steps.ts';
import { main } from '../../cli/main.ts';
import { batches, fitSteps, replayOnline } from '../../cli/online.ts';
import { captureIo } from './support.ts';

const API_KEY = 'test-key';

/** A stand-in for a running Wink that speaks the API contract and records what it was sent. */
interface FakeWink {
  sessions: Array<Record<string, unknown>>;
  batches: unknown[][];
  /** Interventions become visible only after this many polls, as with an asynchronous detector. */
  visibleAfterPolls: number;
  polls: number;
}

const fake: FakeWink = { sessions: [], batches: [], visibleAfterPolls: 2, polls: 0 };
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return send(401, { error: { code: 'unauthorized', message: 'Missing or invalid API key' } });
      if (req.method === 'POST' && req.url === '/v1/sessions') {
        fake.sessions.push(JSON.parse(body) as Record<string, unknown>);
        return send(201, { sessionId: `sess_${fake.sessions.length}` });
      }
      if (req.method === 'POST' && /^\/v1\/sessions\/sess_\d+\/steps$/.test(req.url ?? '')) {
        const steps = (JSON.parse(body) as { steps: unknown[] }).steps;
        if (steps.length > MAX_STEPS_PER_REQUEST) return send(413, { error: { code: 'too_many_steps', message: 'at most 100 steps' } });
        fake.batches.push(steps);
        return send(202, { accepted: steps.length });
      }
      if (req.method === 'GET' && /^\/v1\/sessions\/(sess_\d+)\/interventions$/.test(req.url ?? '')) {
        fake.polls += 1;
        const sessionId = /sess_\d+/.exec(req.url!)![0];
        const interventions = fake.polls > fake.visibleAfterPolls
          ? [{ interventionId: 'int_1', sessionId, episodeId: 'ep_1', category: 'tool_call_failure', subtype: 'repeated_failing_call', guidance: 'Stop retrying.', evidence: { stepIndexes: [5, 6, 7, 8] }, createdAt: '2025-01-01T00:00:00Z' }]
          : [];
        return send(200, { interventions });
      }
      return send(404, { error: { code: 'not_found', message: `No such endpoint: ${req.method} ${req.url}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  fake.sessions = [];
  fake.batches = [];
  fake.polls = 0;
});

function trajectoryOf(count: number): Trajectory {
  const steps: Step[] = Array.from({ length: count }, (_, index) => (index === 0
    ? { index, type: 'user', content: 'fix the build' }
    : index % 2 === 1 ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: 'make' } } : { index, type: 'tool_result', content: 'make: *** No rule to make target', exitCode: 2 }));
  return { source: 'run.jsonl', format: 'canonical', task: 'fix the build', steps };
}

const FAST = { url: '', apiKey: API_KEY, timeoutMs: 5000, quietMs: 150, pollIntervalMs: 10 };

describe('replayOnline against an API that follows the contract', () => {
  it('creates a session with the task and policy, posts every step in batches of at most 100, and waits for the interventions', async () => {
    const result = await replayOnline(trajectoryOf(250), 'replay-run', { ...FAST, url, policy: { forbiddenPaths: ['secrets/**'] } });

    expect(fake.sessions).toEqual([{ agentId: 'wink-replay', task: 'fix the build', policy: { forbiddenPaths: ['secrets/**'] } }]);
    expect(fake.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(fake.batches.flat().map((s) => (s as Step).index)).toEqual([...Array(250).keys()]);
    expect(result).toMatchObject({ sessionId: 'sess_1', accepted: 250, stepCount: 250, timedOut: false });
    expect(result.interventions.map((i) => i.subtype)).toEqual(['repeated_failing_call']);
    expect(fake.polls).toBeGreaterThan(fake.visibleAfterPolls);
  });

  it('stops at the time bound when interventions keep changing late', async () => {
    fake.visibleAfterPolls = 1_000_000;
    try {
      const result = await replayOnline(trajectoryOf(3), 'replay-run', { ...FAST, url, quietMs: 10_000, timeoutMs: 200 });

      expect(result.timedOut).toBe(true);
      expect(result.interventions).toEqual([]);
    } finally {
      fake.visibleAfterPolls = 2;
    }
  });

  it('turns an API error into a one-line message naming the request', async () => {
    await expect(replayOnline(trajectoryOf(3), 'replay-run', { ...FAST, url, apiKey: 'wrong' })).rejects.toThrow(/^POST \/v1\/sessions → 401 unauthorized: Missing or invalid API key$/);
  });

  it('says when nothing listens at the URL', async () => {
    await expect(replayOnline(trajectoryOf(3), 'x', { ...FAST, url: 'http://127.0.0.1:9' })).rejects.toThrow(/cannot reach Wink at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('fitting steps to the API limits', () => {
  it('cuts the middle of an oversized step so it fits, and keeps it valid', () => {
    const big: Step = { index: 0, type: 'tool_result', content: `${'é'.repeat(200_000)}\n${'x'.repeat(100_000)}` };

    const { steps, truncated } = fitSteps([big, { index: 1, type: 'assistant', content: 'ok' }]);

    expect(truncated).toEqual([0]);
    expect(Buffer.byteLength(JSON.stringify(steps[0]))).toBeLessThanOrEqual(MAX_STEP_BYTES);
    expect(steps[0]!.content).toMatch(/^é+\n…\[cut by wink replay/);
    expect(StepSchema.safeParse(steps[0]).success).toBe(true);
    expect(steps[1]).toEqual({ index: 1, type: 'assistant', content: 'ok' });
  });

  it('splits batches by body size as well as by count', () => {
    const steps: Step[] = Array.from({ length: 30 }, (_, index) => ({ index, type: 'tool_result', content: 'y'.repeat(250_000) }));

    const sizes = batches(steps).map((batch) => Buffer.byteLength(JSON.stringify({ steps: batch })));

    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5 * 1024 * 1024);
  });
});

describe('wink replay --url', () => {
  it('prints what came back, as JSON', async () => {
    const io = captureIo();

    const code = await main(['replay', join(import.meta.dirname, '../fixtures/trajectories/claude-code.jsonl'), '--url', url, '--api-key', API_KEY, '--timeout', '0.5', '--json'], io);

    expect(code).toBe(0);
    const json = JSON.parse(io.stdout()) as { mode: string; trajectories: Array<{ sessionId: string; interventions: unknown[]; accepted: number }> };
    expect(json.mode).toBe('online');
    expect(json.trajectories[0]).toMatchObject({ sessionId: 'sess_1', accepted: 17 });
  });

  it('refuses --url without an API key', async () => {
    const io = captureIo();
    const saved = process.env.WINK_API_KEY;
    delete process.env.WINK_API_KEY;
    try {
      expect(await main(['replay', 'x.jsonl', '--url', url], io)).toBe(2);
      expect(io.stderr()).toMatch(/--url needs an API key/);
    } finally {
      if (saved !== undefined) process.env.WINK_API_KEY = saved;
    }
  });
});
