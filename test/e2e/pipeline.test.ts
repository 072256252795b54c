import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { verifyWebhook } from '../../shared/webhook/signature.ts';
import { apiClient } from '../support/apiClient.ts';
import { cleanRun, failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * The whole pipeline over HTTP: local API → fauxqs steps queue → detector → DynamoDB Local
 * conditional write → notifications queue → notifier → a webhook receiver on loopback.
 */
describe('pipeline end to end (DynamoDB Local + fauxqs)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `e2e-${process.pid}`,
      retryDelaysSeconds: [1, 1],
      visibilityTimeoutSeconds: 2,
    });
    api = apiClient(stack.url, stack.apiKey);
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const processedThrough = (sessionId: string, lastIndex: number) =>
    eventually(async () => {
      const { body } = await api.getSession(sessionId);
      return body.processedThrough >= lastIndex ? body : undefined;
    }, 15_000, `detection to reach step ${lastIndex}`);

  it('delivers exactly one signed intervention for a looping trajectory, and nothing more when re-posted', async () => {
    const created = await api.createSession({ agentId: 'e2e-agent', task: 'Fix the failing import in app.py', webhook: { url: receiver.url } });
    expect(created.status).toBe(201);
    const { sessionId, webhookSecret } = created.body;
    expect(webhookSecret).toMatch(/^whsec_/);
    const steps = failingLoop(4);

    const posted = await api.postSteps(sessionId, { steps });
    expect(posted).toEqual({ status: 202, body: { accepted: steps.length, interventions: [] } });

    const delivery = await eventually(() => receiver.received.find((r) => r.body.includes(sessionId)), 15_000, 'the webhook');
    const intervention = JSON.parse(delivery.body);
    expect(intervention).toMatchObject({ sessionId, category: 'tool_call_failure', subtype: 'repeated_failing_call' });
    expect(intervention.guidance).toContain('python app.py');
    expect(delivery.headers['webhook-id']).toBe(intervention.interventionId);
    expect(verifyWebhook(webhookSecret, delivery.body, delivery.headers)).toBe(true);
    expect(verifyWebhook('whsec_d3Jvbmc=', delivery.body, delivery.headers)).toBe(false);

    // The same steps again, one by one and as a batch: accepted, and no second nudge.
    // The first reply after detection hands the intervention out; later ones carry nothing.
    expect((await api.postSteps(sessionId, steps[3])).body).toEqual({ accepted: 1, interventions: [intervention] });
    expect((await api.postSteps(sessionId, steps[3])).body).toEqual({ accepted: 1, interventions: [] });
    expect((await api.postSteps(sessionId, { steps })).status).toBe(202);
    await processedThrough(sessionId, steps.length - 1);
    for (let drained = 1; drained > 0;) drained = await stack.detectorPoller.pollOnce(0) + await stack.notifierPoller.pollOnce(0);

    expect(receiver.received.filter((r) => r.body.includes(sessionId))).toHaveLength(1);
    const polled = await api.getInterventions(sessionId);
    expect(polled.body.interventions).toEqual([intervention]);
    const summary = await api.getSession(sessionId);
    expect(summary.body).toMatchObject({ sessionId, agentId: 'e2e-agent', stepCount: steps.length });
    expect(summary.body.interventions[0].delivery).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('gives a clean trajectory no intervention', async () => {
    const { body } = await api.createSession({ agentId: 'e2e-agent', task: 'Fix the off-by-one in range_sum()' });
    const steps = cleanRun();
    expect((await api.postSteps(body.sessionId, { steps })).status).toBe(202);
    const summary = await processedThrough(body.sessionId, steps.length - 1);
    expect(summary.stepCount).toBe(steps.length);
    expect(summary.verdicts).toEqual([]);
    expect((await api.getInterventions(body.sessionId)).body).toEqual({ interventions: [] });
  });

  it('holds steps after a gap until the gap is filled, then detects in index order', async () => {
    const { body } = await api.createSession({ agentId: 'e2e-agent', task: 'Fix the failing import in app.py' });
    const steps = failingLoop(3);
    const late = steps.slice(0, 2);
    expect((await api.postSteps(body.sessionId, { steps: steps.slice(2) })).status).toBe(202);
    await stack.detectorPoller.pollOnce(0);
    expect((await api.getSession(body.sessionId)).body.processedThrough).toBe(-1);

    expect((await api.postSteps(body.sessionId, { steps: late })).status).toBe(202);
    await processedThrough(body.sessionId, steps.length - 1);
    const { interventions } = (await api.getInterventions(body.sessionId)).body;
    expect(interventions).toHaveLength(1);
    expect(interventions[0].evidence.stepIndexes).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lets an agent without a webhook poll for its intervention', async () => {
    const { body } = await api.createSession({ agentId: 'poller', task: 'Fix the failing import in app.py' });
    expect(body.webhookSecret).toBeUndefined();
    await api.postSteps(body.sessionId, { steps: failingLoop(3) });
    const interventions = await eventually(async () => {
      const polled = (await api.getInterventions(body.sessionId)).body.interventions;
      return polled.length > 0 ? polled : undefined;
    }, 15_000, 'a polled intervention');
    expect(interventions).toHaveLength(1);
    expect(interventions[0].subtype).toBe('repeated_failing_call');
  });
});
