import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { cleanRun, failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/** Guidance in the steps reply (`handedOutAt`), `?wait`, the interventions long-poll, and where each intervention went. */
describe('interventions in the step reply (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `reply-${process.pid}`,
    });
    api = apiClient(stack.url, stack.apiKey);
    receiver = await startWebhookReceiver();
    // Warm the detector, so the first timed wait below is not a cold start.
    const { body } = await api.createSession({ agentId: 'warm', task: 'warm up' });
    await api.request('POST', `/v1/sessions/${body.sessionId}/steps?wait=3000`, { steps: cleanRun() });
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const newSession = async (webhook = false) =>
    (await api.createSession({ agentId: 'reply-agent', task: 'Fix the failing import in app.py', ...(webhook ? { webhook: { url: receiver.url } } : {}) })).body.sessionId as string;
  const post = (sessionId: string, body: unknown, query = '') => api.request('POST', `/v1/sessions/${sessionId}/steps${query}`, body);
  const interventionsOf = async (sessionId: string) => (await api.getInterventions(sessionId)).body.interventions as Array<{ interventionId: string }>;

  it('with ?wait, returns the nudge about the steps just posted in the same reply, and never again', async () => {
    const sessionId = await newSession();
    const steps = failingLoop(4);
    const first = await post(sessionId, { steps }, '?wait=3000');
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      accepted: steps.length,
      interventions: [expect.objectContaining({ sessionId, subtype: 'repeated_failing_call', guidance: expect.stringContaining('python app.py') })],
    });
    expect(await post(sessionId, steps[3], '?wait=3000')).toEqual({ status: 202, body: { accepted: 1, interventions: [] } });
    // Still listed for polling, in the same shape.
    expect(await interventionsOf(sessionId)).toEqual(first.body.interventions);
  });

  it('without ?wait, answers at once with an empty list; the next post carries the nudge', async () => {
    const sessionId = await newSession();
    const steps = failingLoop(4);
    expect(await post(sessionId, { steps })).toEqual({ status: 202, body: { accepted: steps.length, interventions: [] } });
    await eventually(async () => ((await interventionsOf(sessionId)).length > 0 ? true : undefined), 15_000, 'the intervention');
    const next = await post(sessionId, { index: steps.length, type: 'assistant', content: 'Let me install requests.' });
    expect(next.body.interventions).toHaveLength(1);
  });

  it('hands each intervention to exactly one of many concurrent posts, and still delivers it to the webhook', async () => {
    const sessionId = await newSession(true);
    const steps = failingLoop(4);
    await post(sessionId, { steps });
    const [listed] = await eventually(async () => {
      const found = await interventionsOf(sessionId);
      return found.length > 0 ? found : undefined;
    }, 15_000, 'the intervention');
    const replies = await Promise.all(Array.from({ length: 8 }, () => post(sessionId, steps[1])));
    expect(replies.every((reply) => reply.status === 202)).toBe(true);
    const carried = replies.flatMap((reply) => reply.body.interventions as Array<{ interventionId: string }>);
    expect(carried.map((i) => i.interventionId)).toEqual([listed!.interventionId]);

    await eventually(() => receiver.received.find((r) => r.body.includes(sessionId)), 15_000, 'the webhook');
    const summary = await eventually(async () => {
      const { body } = await api.getSession(sessionId);
      return body.interventions[0]?.delivery.status === 'delivered' ? body : undefined;
    }, 15_000, 'the delivery record');
    expect(summary.interventions[0].handedOut).toEqual({ reply: expect.any(String), webhook: expect.any(String), poll: expect.any(String) });
  });

  it('long-polls GET …/interventions until one appears, then after it', async () => {
    const sessionId = await newSession();
    const polling = api.request('GET', `/v1/sessions/${sessionId}/interventions?wait=20`);
    await post(sessionId, { steps: failingLoop(4) });
    const polled = await polling;
    expect(polled.status).toBe(200);
    expect(polled.body.interventions).toHaveLength(1);
    const after = polled.body.interventions[0].interventionId;
    expect(await api.request('GET', `/v1/sessions/${sessionId}/interventions?after=${after}&wait=1`)).toEqual({ status: 200, body: { interventions: [] } });

    const summary = (await api.getSession(sessionId)).body;
    expect(summary.interventions[0].handedOut).toMatchObject({ reply: null, poll: expect.any(String) });
  });

  it('refuses waits past their limits and an unknown after, naming the parameter', async () => {
    const sessionId = await newSession();
    const tooLong = await post(sessionId, { index: 0, type: 'user', content: 'x' }, '?wait=3001');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/wait.*3000/);
    const pollTooLong = await api.request('GET', `/v1/sessions/${sessionId}/interventions?wait=21`);
    expect(pollTooLong.status).toBe(400);
    expect(pollTooLong.body.error.message).toMatch(/wait.*20/);
    const unknown = await api.request('GET', `/v1/sessions/${sessionId}/interventions?after=iv_nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/after/);
  });
});
