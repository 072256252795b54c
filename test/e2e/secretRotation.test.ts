import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/** Issue 12 part 3: rotating a session's webhook secret; deliveries carry both signatures for 24 h. */
describe('POST /v1/sessions/{id}/webhook-secret', () => {
  let stack: LocalStack;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `rotate-${process.pid}`,
    });
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('returns a new secret once; later deliveries verify with the new and, for 24 h, the old one', async () => {
    const api = apiClient(stack.url, stack.apiKey);
    const { body: created } = await api.createSession({ agentId: 'a', task: 't', webhook: { url: receiver.url } });
    const rotated = await api.request('POST', `/v1/sessions/${created.sessionId}/webhook-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ webhookSecret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) });
    expect(rotated.body.webhookSecret).not.toBe(created.webhookSecret);
    const validFor = Date.parse(rotated.body.previousSecretValidUntil) - Date.now();
    expect(validFor).toBeGreaterThan(23 * 3_600_000);
    expect(validFor).toBeLessThanOrEqual(24 * 3_600_000);

    await api.postSteps(created.sessionId, { steps: failingLoop(3) });
    const delivery = await eventually(() => receiver.received.find((r) => r.body.includes(created.sessionId)), 15_000, 'the webhook');
    const headers = delivery.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [created.webhookSecret, rotated.body.webhookSecret]) {
      expect(new Webhook(secret).verify(delivery.body, headers)).toEqual(JSON.parse(delivery.body));
    }
  });

  it('answers 409 for a session without a webhook and 404 for another key\'s session', async () => {
    const api = apiClient(stack.url, stack.apiKey);
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const answer = await api.request('POST', `/v1/sessions/${body.sessionId}/webhook-secret`, {});
    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'no_webhook' } } });
    expect((await api.request('POST', '/v1/sessions/ses_missing/webhook-secret', {})).status).toBe(404);
  });
});
