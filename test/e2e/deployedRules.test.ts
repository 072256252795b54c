import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allowPrivateWebhooksFromEnv } from '../../local/env.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * Issue 15 "Webhook targets" and "Limits" over HTTP: the local stack started the way
 * `WINK_ALLOW_PRIVATE_WEBHOOKS=false WINK_RATE_LIMIT_REQUESTS_PER_MINUTE=6 npm start` starts it.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
    port: 0,
    prefix: `deployed-rules-${process.pid}`,
    allowPrivateWebhooks: allowPrivateWebhooksFromEnv({ WINK_ALLOW_PRIVATE_WEBHOOKS: 'false' }),
    env: { WINK_RATE_LIMIT_REQUESTS_PER_MINUTE: '6', WINK_RATE_LIMIT_SESSIONS_PER_MINUTE: '0' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('WINK_ALLOW_PRIVATE_WEBHOOKS', () => {
  it('is true unless set to false, and refuses anything else', () => {
    expect(allowPrivateWebhooksFromEnv({})).toBe(true);
    expect(allowPrivateWebhooksFromEnv({ WINK_ALLOW_PRIVATE_WEBHOOKS: 'true' })).toBe(true);
    expect(allowPrivateWebhooksFromEnv({ WINK_ALLOW_PRIVATE_WEBHOOKS: 'false' })).toBe(false);
    expect(() => allowPrivateWebhooksFromEnv({ WINK_ALLOW_PRIVATE_WEBHOOKS: 'no' })).toThrow(/must be true or false, got "no"/);
  });
});

describe('the local stack with the deployed rules', () => {
  it('refuses a loopback webhook target with a 400 naming webhook.url, then rate-limits the key with 429 and Retry-After', async () => {
    const receiver = await startWebhookReceiver();
    const api = apiClient(stack.url, stack.apiKey);
    const refused = await api.createSession({ agentId: 'a', task: 't', webhook: { url: receiver.url } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'webhook.url', message: expect.stringMatching(/loopback|private/) }]);
    await receiver.close();

    // 6 requests per key per minute: the 7th is refused, or the 13th if a minute boundary fell in between.
    let limited: Response | undefined;
    for (let sent = 1; sent < 13 && !limited; sent += 1) {
      const response = await fetch(`${stack.url}/v1/sessions/ses_unknown`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(404);
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^([1-9]|[1-5][0-9]|60)$/);
    expect(limited?.headers.get('content-type')).toBe('application/json');
    expect(await limited?.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('at most 6 requests per 60 s per API key') } });
  });
});
