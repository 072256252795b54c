import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { about, callSites, from, installFaultInjector, reportFaults, type FaultKind } from '../support/faultInjector.ts';
import { censusQueues, censusTable, waitFor } from '../support/pipelineCensus.ts';
import { failingLoop } from '../support/steps.ts';

/**
 * The ingest path with faults injected into its real DynamoDB and SQS clients. Each call site of a
 * POST /v1/sessions/{id}/steps fails once: the client sees a 5xx (never a raw AWS error), retries
 * the very same request, gets its 202, and — once the faults stop — every accepted step is stored
 * exactly once and detected, counted by scanning the table and the queues.
 */
describe('ingest under DynamoDB and SQS faults (fault middleware on the real clients)', () => {
  const faults = installFaultInjector(15);
  let stack: LocalStack;
  let sqs: SQSClient;
  let api: ReturnType<typeof apiClient>;
  /** Step indexes that got a 202, by session. */
  const accepted = new Map<string, Set<number>>();

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `ingest-faults-${process.pid}`,
      visibilityTimeoutSeconds: 1,
      gapWaitSeconds: 1,
      logLevel: 'CRITICAL',
      wrapHandler: faults.wrapHandler,
    });
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    reportFaults('ingestFaults', faults);
    faults.clear();
    sqs?.destroy();
    await stack?.stop();
  });

  const accept = (sessionId: string, indexes: number[]) => {
    const set = accepted.get(sessionId) ?? new Set<number>();
    for (const index of indexes) set.add(index);
    accepted.set(sessionId, set);
  };

  const cases: { site: keyof typeof callSites; fault: FaultKind; firstStatus: number; reasons?: { Code: string }[] }[] = [
    { site: 'getSession', fault: 'throttling', firstStatus: 500 },
    { site: 'getSteps', fault: 'throughput_exceeded', firstStatus: 500 },
    { site: 'putNewSteps', fault: 'throttling', firstStatus: 500 },
    { site: 'putNewSteps', fault: 'server_error', firstStatus: 500 },
    { site: 'putNewSteps', fault: 'after_success', firstStatus: 500 },
    // A conflicting transaction (the client's own concurrent retry, say) is re-read and retried inside the request.
    { site: 'putNewSteps', fault: 'transaction_canceled', firstStatus: 202 },
    { site: 'putNewSteps', fault: 'transaction_canceled', firstStatus: 500, reasons: [{ Code: 'ThrottlingError' }] },
    { site: 'refreshSessionExpiry', fault: 'server_error', firstStatus: 500 },
    { site: 'sendToStepsQueue', fault: 'throttling', firstStatus: 500 },
    { site: 'sendToStepsQueue', fault: 'server_error', firstStatus: 500 },
    { site: 'sendToStepsQueue', fault: 'after_success', firstStatus: 500 },
  ];

  it('each ingest call site failing once: the client gets a generic 5xx, and the same request retried gets its 202', async () => {
    // Four at a time: a request must answer within the client's 10 s even on a loaded machine.
    const runCase = async ({ site, fault, firstStatus, reasons }: typeof cases[number]) => {
      const name = `${site}:${fault}${reasons ? `:${reasons[0]!.Code}` : ''}`;
      const { body: session } = await api.createSession({ agentId: 'faults', task: 'Fix the failing import in app.py' });
      faults.add({ name, match: about(session.sessionId, from('ingest', callSites[site])), fault, times: 1, ...(reasons ? { cancellationReasons: reasons } : {}) });
      const steps = failingLoop(3);
      const first = await api.postSteps(session.sessionId, { steps });
      const retry = first.status === 202 ? first : await api.postSteps(session.sessionId, { steps });
      if (retry.status === 202) accept(session.sessionId, steps.map((s) => s.index));
      return { name, first: first.status, firstCode: first.body?.error?.code, retry: retry.status };
    };
    const outcomes = [];
    for (let i = 0; i < cases.length; i += 4) outcomes.push(...await Promise.all(cases.slice(i, i + 4).map(runCase)));

    expect(outcomes).toEqual(cases.map(({ site, fault, firstStatus, reasons }) => ({
      name: `${site}:${fault}${reasons ? `:${reasons[0]!.Code}` : ''}`,
      first: firstStatus,
      firstCode: firstStatus === 500 ? 'internal_error' : undefined,
      retry: 202,
    })));
    // Every scripted fault was injected: no case passed without meeting its fault.
    expect(Object.values(faults.injected).reduce((a, b) => a + b, 0)).toBe(cases.length);
  }, 90_000);

  it('seeded random faults on ingest\'s calls (throttling, lost replies, SQS 500s), 8 sessions × 4 posts: clients retrying until 202 lose nothing', async () => {
    const sessions = await Promise.all(Array.from({ length: 8 }, async () =>
      (await api.createSession({ agentId: 'faults', task: 'Fix the failing import in app.py' })).body.sessionId as string));
    faults.script(
      { name: 'random-throttling', match: (call) => call.origin === 'ingest' && call.service === 'dynamodb', fault: 'throttling', probability: 0.1 },
      { name: 'random-lost-reply', match: (call) => call.origin === 'ingest' && call.service === 'dynamodb', fault: 'after_success', probability: 0.1 },
      { name: 'random-sqs-500', match: (call) => call.origin === 'ingest' && call.service === 'sqs', fault: 'server_error', probability: 0.15 },
    );
    let fiveHundreds = 0;
    await Promise.all(sessions.map(async (sessionId) => { // 8 clients, each posting in order
      const steps = failingLoop(3);
      for (let from = 0; from < steps.length; from += 2) {
        const batch = steps.slice(from, from + 2);
        for (let attempt = 1; ; attempt += 1) {
          const response = await api.postSteps(sessionId, { steps: batch });
          if (response.status === 202) break;
          expect(response.status).toBe(500);
          fiveHundreds += 1;
          if (attempt >= 20) throw new Error(`still ${response.status} after 20 attempts`);
        }
        accept(sessionId, batch.map((s) => s.index));
      }
    }));
    faults.clear();
    expect(fiveHundreds).toBeGreaterThan(0);
    expect(Object.keys(faults.injected).filter((name) => name.startsWith('random-')).sort()).toEqual(['random-lost-reply', 'random-sqs-500', 'random-throttling']);
  }, 90_000);

  it('once the faults stop: every step that got a 202 is stored exactly once and detected, one intervention per session, every queue drained (counted)', async () => {
    faults.clear();
    const census = await waitFor(async () => {
      const table = await censusTable(stack.resources.tableName);
      const done = [...accepted].every(([id, indexes]) => table.get(id)?.nextIndex === indexes.size
        && table.get(id)!.interventions.every((i) => i.delivery.status !== 'pending'));
      return done ? table : undefined;
    }, 'detection of every accepted step', 45_000);
    for (const [sessionId, indexes] of accepted) {
      const stored = census.get(sessionId)!;
      expect(stored.steps).toEqual([...indexes].sort((a, b) => a - b));
      expect(stored.stepCount).toBe(indexes.size); // counted once, however many times the request came
      expect(stored.interventions).toHaveLength(1);
    }
    expect(accepted.size).toBe(cases.length + 8);
    const queues = await waitFor(async () => {
      const counts = await censusQueues(sqs, stack.resources);
      return Object.values(counts).every((n) => n === 0) ? counts : undefined;
    }, 'every queue to drain');
    expect(queues).toEqual({ steps: 0, stepsDlq: 0, stepTimer: 0, stepTimerDlq: 0, notifications: 0, notificationsDlq: 0 });
  }, 90_000);
});
