import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth } from '../local/queueDepth.ts';
import { startLocalStack } from '../local/stack.ts';
import type { Step } from '../shared/steps.ts';

export interface ContentionOptions {
  /** Single-step posts, back to back, to one session. @default 50 */
  posts?: number;
  /** Concurrent detector pollers (Lambda's maxConcurrency). @default 10 */
  workers?: number;
  /** Running DynamoDB Local / SQS servers to use (tests); otherwise the stack starts its own. */
  endpoints?: { dynamoEndpoint: string; sqsEndpoint: string };
  prefix?: string;
  /** Bound on the whole run. @default 60000 */
  timeoutMs?: number;
}

/**
 * Per-session contention on the local stack (real fauxqs and DynamoDB Local): one agent posts
 * `posts` single steps back to back to one session while `workers` detector pollers consume the
 * steps queue. Counts detection runs (a run reads and observes the session's new steps), runs that
 * lost the version check or observed nothing (wasted), records the handler reported failed (each
 * one waits out a visibility timeout), dead-lettered messages and interventions — the last steps
 * form one failing loop, so exactly one intervention is right.
 */
export async function runContentionHarness(options: ContentionOptions = {}) {
  const posts = options.posts ?? 50;
  const workers = options.workers ?? 10;
  const stack = await startLocalStack({
    port: 0,
    prefix: options.prefix ?? 'contention',
    detectorWorkers: workers,
    visibilityTimeoutSeconds: 30,
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
  });
  // The handler module the stack loaded: its counters are per process, so take a difference.
  const { detectorCounters } = await import('../functions/detector/handler.ts');
  const before = { ...detectorCounters };
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const created = await call('POST', '/v1/sessions', { agentId: 'contention', task: 'Fix the import error' });
    const sessionId = created.body.sessionId as string;

    const started = performance.now();
    for (const step of burstSteps(posts)) {
      const { status } = await call('POST', `/v1/sessions/${sessionId}/steps`, step);
      if (status !== 202) throw new Error(`step ${step.index}: ingest answered ${status}`);
    }
    const postedMs = performance.now() - started;

    // Done when every step is detected and no steps message is left, visible or in flight.
    const depth = (queueUrl: string) => queueDepth(sqs, queueUrl);
    let processedThrough = -1;
    for (;;) {
      processedThrough = (await call('GET', `/v1/sessions/${sessionId}`)).body.processedThrough as number;
      if (processedThrough >= posts - 1 && (await depth(stack.resources.stepsQueueUrl)) === 0) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const settledMs = performance.now() - started;
    const interventions = ((await call('GET', `/v1/sessions/${sessionId}/interventions`)).body.interventions as unknown[]).length;

    const runs = detectorCounters.runs - before.runs;
    const lostRuns = detectorCounters.lostRuns - before.lostRuns;
    const emptyRuns = detectorCounters.emptyRuns - before.emptyRuns;
    const recordsWithoutRun = detectorCounters.skippedRecords - before.skippedRecords;
    const wastedRuns = lostRuns + emptyRuns;
    const received = stack.detectorPollers.reduce((sum, poller) => sum + poller.stats.received, 0);
    const failedRecords = stack.detectorPollers.reduce((sum, poller) => sum + poller.stats.failed, 0);
    return {
      posts,
      workers,
      caughtUp: processedThrough >= posts - 1,
      recordsReceived: received,
      detectionRuns: runs,
      /** Records acknowledged without a run: their steps were observed by an earlier run. */
      recordsWithoutRun,
      lostRuns,
      emptyRuns,
      wastedRunShare: runs === 0 ? 0 : Math.round((wastedRuns / runs) * 1000) / 1000,
      failedRecords,
      deadLettered: await depth(stack.resources.stepsDlqUrl),
      interventions,
      postMs: Math.round(postedMs),
      settledMs: Math.round(settledMs),
    };
  } finally {
    sqs.destroy();
    await stack.stop();
  }
}

/** Exploring steps, then one failing loop (three identical failing runs) at the end. */
function burstSteps(posts: number): Step[] {
  const loopStart = Math.max(0, posts - 6);
  return Array.from({ length: posts }, (_, index): Step => {
    if (index >= loopStart) {
      return (index - loopStart) % 2 === 0
        ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: 'python app.py' } }
        : { index, type: 'tool_result', content: "ModuleNotFoundError: No module named 'requests'", exitCode: 1 };
    }
    return index % 2 === 0
      ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: `cat src/module_${index}.py` } }
      : { index, type: 'tool_result', content: `def f_${index}():\n    return ${index}\n`, exitCode: 0 };
  });
}
