/**
 * One cost workload in a fresh process (handlers read their configuration once per process):
 * the local stack, a few sessions posting realistic steps one per request or `stepsPerRequest` per
 * request, until the detector has caught up. Prints what it counted as one JSON line: AWS usage by
 * the middleware of bench/usageCounter.ts, handler invocations and their durations, HTTP requests,
 * and the judge's requests when it is on.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.ts';
import { JUDGE_ENV } from '../shared/judge/config.ts';
import { encodeDetection } from '../shared/store/detectionCodec.ts';
import { WinkStore } from '../shared/store/winkStore.ts';
import { startOpenAIStub } from '../test/support/openaiStub.ts';
import { syntheticSession } from './detection.ts';
import { countAwsUsage } from './usageCounter.ts';

export interface CostRunOptions {
  sessions: number;
  stepsPerSession: number;
  stepsPerRequest: number;
}

export interface CostRunResult extends CostRunOptions {
  steps: number;
  httpRequests: number;
  invocations: Record<string, { count: number; billedMs: number; durationsMs: number[]; awsCallMs: number; awsCalls: number }>;
  usage: ReturnType<typeof countAwsUsage>['usage'];
  judge: { calls: number; promptChars: number; maxOutputTokens: number };
  /** The detection state as JSON, and as stored on the session item (deflated). */
  stateBytes: { median: number; max: number };
  storedStateBytes: { median: number; max: number };
  wallSeconds: number;
}

/** The workloads one after the other on one stack (DynamoDB Local takes seconds to start), judge on. */
export async function runCostWorkloads(workloads: readonly CostRunOptions[]): Promise<CostRunResult[]> {
  const counter = countAwsUsage();
  const invocations: CostRunResult['invocations'] = {};
  const stub = await startOpenAIStub();
  const stack = await startLocalStack({
    port: 0,
    prefix: `cost${process.pid}`,
    env: stub ? { [JUDGE_ENV.baseUrl]: stub.baseURL, [JUDGE_ENV.model]: 'bench-model', [JUDGE_ENV.apiKey]: 'bench' } : {},
    wrapHandler: (name, handler) =>
      (async (...args: Parameters<typeof handler>) => {
        const t0 = performance.now();
        const calls = { ms: 0, count: 0 };
        try {
          return await counter.withinInvocation(calls, () => handler(...args));
        } finally {
          const ms = performance.now() - t0;
          const entry = (invocations[name] ??= { count: 0, billedMs: 0, durationsMs: [], awsCallMs: 0, awsCalls: 0 });
          entry.count += 1;
          entry.awsCallMs += calls.ms;
          entry.awsCalls += calls.count;
          entry.billedMs += Math.ceil(ms); // Lambda bills by the millisecond, rounded up
          entry.durationsMs.push(ms);
        }
      }) as typeof handler,
  });
  // Reads for the bench's own bookkeeping go through a client the counter does not see.
  const observer = new WinkStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), stack.resources.tableName);
  const results: CostRunResult[] = [];
  try {
    for (const options of workloads) results.push(await runWorkload(options));
    return results;
  } finally {
    await stack.stop();
    await stub.close();
  }

  async function runWorkload(options: CostRunOptions): Promise<CostRunResult> {
  counter.reset();
  stub.requests.length = 0;
  for (const key of Object.keys(invocations)) delete invocations[key];
  let httpRequests = 0;
  const started = performance.now();
  {
    const post = async (path: string, body: unknown) => {
      httpRequests += 1;
      const response = await fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const answer = (await response.json()) as { sessionId?: string };
      if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    };
    const steps = syntheticSession(options.stepsPerSession);
    const sessionIds = await Promise.all(Array.from({ length: options.sessions }, async () => {
      const { sessionId } = await post('/v1/sessions', { agentId: 'bench', task: steps[0]!.content });
      for (let i = 0; i < steps.length; i += options.stepsPerRequest) {
        const chunk = steps.slice(i, i + options.stepsPerRequest);
        await post(`/v1/sessions/${sessionId}/steps`, options.stepsPerRequest === 1 ? chunk[0] : { steps: chunk });
      }
      return sessionId!;
    }));
    // Bounded: the detector catches up, or the run fails.
    const deadline = Date.now() + 60_000;
    for (const sessionId of sessionIds) {
      while ((await observer.detectionNextIndex(sessionId)) !== steps.length) {
        if (Date.now() > deadline) throw new Error(`detector did not catch up on ${sessionId}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    // Let in-flight deletes and notifications finish before reading the counters.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const states = await Promise.all(sessionIds.map(async (id) => (await observer.getSession(id))!.detection));
    const stateSizes = states.map((state) => Buffer.byteLength(JSON.stringify(state))).sort((a, b) => a - b);
    const storedSizes = states.map((state) => encodeDetection(state).deflated.length).sort((a, b) => a - b);
    const completions = stub.completions();
    return {
      ...options,
      steps: options.sessions * steps.length,
      httpRequests,
      invocations: structuredClone(invocations),
      usage: structuredClone(counter.usage),
      judge: {
        calls: completions.length,
        promptChars: completions.reduce((sum, r) => sum + JSON.stringify((r.body as { messages: unknown }).messages).length, 0),
        maxOutputTokens: Number(process.env[JUDGE_ENV.maxOutputTokens] ?? 800),
      },
      stateBytes: { median: stateSizes[Math.floor(stateSizes.length / 2)]!, max: stateSizes.at(-1)! },
      storedStateBytes: { median: storedSizes[Math.floor(storedSizes.length / 2)]!, max: storedSizes.at(-1)! },
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  }
  }
}

if (process.argv[2] === '--child') {
  const workloads = JSON.parse(process.argv[3]!) as CostRunOptions[];
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const results = await runCostWorkloads(workloads);
  for (const result of results) {
    for (const entry of Object.values(result.invocations)) entry.durationsMs = entry.durationsMs.map((ms) => Math.round(ms * 10) / 10);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  process.exit(0);
}
