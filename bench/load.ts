import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queueDepth } from '../local/queueDepth.ts';
import { startLocalStack } from '../local/stack.ts';
import { createDocumentClient } from '../shared/store/documentClient.ts';
import { PREFIX, sessionPk } from '../shared/store/keys.ts';
import { WinkStore } from '../shared/store/winkStore.ts';
import { startWebhookReceiver } from '../test/support/webhookReceiver.ts';
import { planSessions, type SessionPlan } from './loadWorkload.ts';

export interface LoadOptions {
  /** @default 200 */
  sessions?: number;
  /** Steps per session. @default 50 */
  steps?: number;
  /** Sessions posting at once (each one agent posting its steps in order). @default 50 */
  concurrency?: number;
  /** Steps per POST. @default 5 (the SDK sends steps in small batches; 1 is an agent posting each step itself) */
  batch?: number;
  /** Every n-th session gets an injected loop. @default 4 */
  misbehavingEvery?: number;
  /** Detector pollers (Lambda's maxConcurrency on the steps queue). @default 4 */
  detectorWorkers?: number;
  /**
   * Steps queue visibility timeout. At least the local invocation time (60 s), so a slow run on a
   * starved machine is not handed to a second worker mid-run (AWS uses 6 × the function timeout).
   * @default 60
   */
  visibilityTimeoutSeconds?: number;
  /** Bound on the whole run; whatever is unfinished then is counted, not waited for. @default 300000 */
  deadlineMs?: number;
  /** Running DynamoDB Local / SQS servers to use (tests); otherwise the stack starts its own. */
  endpoints?: { dynamoEndpoint: string; sqsEndpoint: string };
  prefix?: string;
}

interface SessionRun {
  plan: SessionPlan;
  sessionId?: string;
  /** Indexes of steps whose POST answered 202. */
  accepted: number[];
  /** Statuses other than 202 (each one a refused step, never expected here). */
  refused: number[];
}

/**
 * The whole local pipeline under load (issue 15): `sessions` agents, `concurrency` at a time, each
 * creating a session with a webhook and posting its steps in order; some sessions carry an
 * injected loop. Then it waits (bounded) for detection and delivery to settle and counts, by
 * reading every session back from DynamoDB and every queue: accepted steps not stored (`lost`),
 * interventions beyond one per expected episode, episodes without one, messages left, webhooks.
 */
export async function runLoadHarness(options: LoadOptions = {}) {
  const sessions = options.sessions ?? 200;
  const stepsPerSession = options.steps ?? 50;
  const concurrency = options.concurrency ?? 50;
  const batch = Math.max(1, options.batch ?? 5);
  const deadline = Date.now() + (options.deadlineMs ?? 300_000);
  const plans = planSessions(sessions, stepsPerSession, options.misbehavingEvery ?? 4);

  const receiver = await startWebhookReceiver();
  const stack = await startLocalStack({
    port: 0,
    prefix: options.prefix ?? `load${process.pid}`,
    detectorWorkers: options.detectorWorkers ?? 4,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 60,
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
  });
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const documents = createDocumentClient();
  const store = new WinkStore(documents, stack.resources.tableName);
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(Math.max(1, Math.min(30_000, deadline - Date.now()))),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // Post: a pool of `concurrency` agents, each taking the next session and posting it to the end.
    const runs: SessionRun[] = plans.map((plan) => ({ plan, accepted: [], refused: [] }));
    const acceptLatencies: number[] = [];
    let next = 0;
    let postErrors = 0;
    let abandonedSessions = 0;
    const started = performance.now();
    // A step POST that times out or is reset is retried as is, like the SDK does: same steps, same indexes.
    const postSteps = async (sessionId: string, steps: SessionPlan['steps']) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call('POST', `/v1/sessions/${sessionId}/steps`, batch === 1 ? steps[0] : { steps });
        } catch (error) {
          postErrors += 1;
          if (attempt >= 3 || Date.now() >= deadline) throw error;
        }
      }
    };
    const agent = async () => {
      while (next < runs.length && Date.now() < deadline) {
        const run = runs[next++]!;
        try {
          const created = await call('POST', '/v1/sessions', { agentId: 'load', task: run.plan.task, webhook: { url: receiver.url } });
          if (created.status !== 201) { run.refused.push(created.status); continue; }
          run.sessionId = created.body.sessionId as string;
          for (let at = 0; at < run.plan.steps.length && Date.now() < deadline; at += batch) {
            const steps = run.plan.steps.slice(at, at + batch);
            const t0 = performance.now();
            const { status } = await postSteps(run.sessionId, steps);
            if (status !== 202) { run.refused.push(status); break; }
            acceptLatencies.push(performance.now() - t0);
            run.accepted.push(...steps.map((step) => step.index));
          }
        } catch {
          abandonedSessions += 1; // gave up on a timeout or reset: steps not acknowledged are not counted as accepted
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, agent));
    const postedMs = performance.now() - started;
    const acceptedSteps = runs.reduce((sum, run) => sum + run.accepted.length, 0);

    // Settle: every session detected through its last accepted step, every queue empty, every intervention delivered.
    const queueUrls = {
      steps: stack.resources.stepsQueueUrl,
      stepTimer: stack.resources.stepTimerQueueUrl,
      notifications: stack.resources.notificationsQueueUrl,
      stepsDlq: stack.resources.stepsDlqUrl,
      stepTimerDlq: stack.resources.stepTimerDlqUrl,
      notificationsDlq: stack.resources.notificationsDlqUrl,
    };
    const depth = (queueUrl: string) => queueDepth(sqs, queueUrl);
    const readSession = (sessionId: string) => queryPartition(documents, stack.resources.tableName, sessionId);
    let detectedMs = NaN;
    const created = runs.filter((run): run is SessionRun & { sessionId: string } => run.sessionId !== undefined);
    for (let pending = created; ;) {
      const states = await Promise.all(pending.map(async (run) => ({ run, nextIndex: (await store.detectionNextIndex(run.sessionId)) ?? 0 })));
      pending = states.filter(({ run, nextIndex }) => nextIndex <= Math.max(-1, ...run.accepted)).map(({ run }) => run);
      if (pending.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    detectedMs = performance.now() - started;
    for (;;) {
      const left = await Promise.all([queueUrls.steps, queueUrls.stepTimer, queueUrls.notifications].map(depth));
      const interventionsSoFar = (await Promise.all(created.map(async (run) => (await store.listInterventions(run.sessionId)).length)))
        .reduce((a, b) => a + b, 0);
      if ((left.every((n) => n === 0) && distinct(receiver.received).size >= interventionsSoFar) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const settledMs = performance.now() - started;

    // Count, from the table: every session read back whole.
    let lost = 0;
    let duplicateInterventions = 0;
    let missedEpisodes = 0;
    let unexpectedInterventions = 0;
    let interventions = 0;
    let expectedInterventions = 0;
    for (const run of created) {
      const items = await readSession(run.sessionId);
      const stored = new Set(items.filter((item) => String(item.sk).startsWith(PREFIX.step)).map((item) => Number(String(item.sk).slice(PREFIX.step.length))));
      lost += run.accepted.filter((index) => !stored.has(index)).length;
      const recorded = items.filter((item) => String(item.sk).startsWith(PREFIX.intervention));
      const perEpisode = countBy(recorded.map((item) => String(item.episodeId)));
      duplicateInterventions += [...perEpisode.values()].reduce((sum, n) => sum + n - 1, 0);
      // The run is complete only if all its steps got in; otherwise its expectation is unknown.
      const expected = run.accepted.length === run.plan.steps.length ? run.plan.expectedInterventions : undefined;
      if (expected !== undefined) {
        expectedInterventions += expected;
        missedEpisodes += Math.max(0, expected - recorded.length);
        unexpectedInterventions += Math.max(0, recorded.length - expected);
      }
      interventions += recorded.length;
    }
    const queues = Object.fromEntries(await Promise.all(Object.entries(queueUrls).map(async ([name, url]) => [name, await depth(url)] as const)));
    const webhookIds = distinct(receiver.received);
    return {
      sessions,
      stepsPerSession,
      concurrency,
      stepsPerRequest: batch,
      detectorWorkers: options.detectorWorkers ?? 4,
      sessionsCreated: created.length,
      misbehavingSessions: plans.filter((plan) => plan.kind !== 'clean').length,
      acceptedSteps,
      refusedRequests: runs.reduce((sum, run) => sum + run.refused.length, 0),
      /** Requests that timed out or were reset (each step POST is tried up to 3 times). */
      postErrors,
      abandonedSessions,
      stepsPerSecondAccepted: round(acceptedSteps / (postedMs / 1000)),
      stepsPerSecondDetected: round(acceptedSteps / (detectedMs / 1000)),
      acceptLatencyMs: { p50: percentile(acceptLatencies, 0.5), p99: percentile(acceptLatencies, 0.99) },
      lost,
      duplicateInterventions,
      expectedInterventions,
      interventions,
      missedEpisodes,
      unexpectedInterventions,
      unprocessed: Object.values(queues).reduce((a, b) => a + b, 0),
      queues,
      webhooksReceived: receiver.received.length,
      webhooksDistinct: webhookIds.size,
      postMs: Math.round(postedMs),
      detectedMs: Math.round(detectedMs),
      settledMs: Math.round(settledMs),
      finishedBeforeDeadline: Date.now() <= deadline,
    };
  } finally {
    sqs.destroy();
    documents.destroy();
    await stack.stop();
    await receiver.close();
  }
}

async function queryPartition(documents: DynamoDBDocumentClient, tableName: string, sessionId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': sessionPk(sessionId) },
      ConsistentRead: true,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

const distinct = (received: { headers: Record<string, unknown> }[]) => new Set(received.map((item) => String(item.headers['webhook-id'])));

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

const round = (value: number) => Math.round(value * 10) / 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}
