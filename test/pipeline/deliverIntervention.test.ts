import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialDetectionState } from '../../shared/detection/engine.ts';
import { deliverIntervention, type DeliverDeps } from '../../shared/pipeline/deliverIntervention.ts';
import type { InterventionRecord, SessionRecord } from '../../shared/records.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { postWebhook } from '../../shared/webhook/postWebhook.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS, WEBHOOK_MAX_ATTEMPTS } from '../../shared/webhook/retryPolicy.ts';
import { verifyWebhookSignature } from '../../shared/webhook/signature.ts';
import { freshStore } from '../support/localAws.ts';
import { startWebhookReceiver } from '../support/webhookReceiver.ts';

/** Webhook delivery over real HTTP on loopback, with state in DynamoDB Local. */
describe('deliverIntervention', () => {
  let store: WinkStore;
  const now = Date.parse('2026-11-25T12:00:00Z');
  const secret = 'whsec_test';
  let sequence = 0;

  beforeAll(async () => {
    ({ store } = await freshStore());
  });

  async function setup(webhookUrl: string | undefined) {
    const sessionId = `s-${(sequence += 1)}`;
    const session: SessionRecord = {
      sessionId, agentId: 'a', task: 't', constraints: [], policy: {}, ownerKeyHash: 'h', createdAt: new Date(now).toISOString(),
      detection: initialDetectionState(), llmTokens: 0, version: 0, ...(webhookUrl ? { webhookUrl, webhookSecret: secret } : {}),
    };
    const intervention: InterventionRecord = {
      interventionId: 'iv_1', sessionId, episodeId: 'ep_1', category: 'tool_call_failure', subtype: 'repeated_failing_call',
      guidance: 'Stop retrying', evidence: { stepIndexes: [1, 2] }, createdAt: new Date(now).toISOString(), delivery: { status: 'pending', attempts: 0 },
    };
    await store.createSession(session, now);
    await store.recordInterventionOnce(intervention, now);
    const deps: DeliverDeps = {
      store, post: (url, body, headers) => postWebhook(url, body, headers, 1000), retryDelaysSeconds: DEFAULT_RETRY_DELAYS_SECONDS, now: () => now,
    };
    return { deps, message: { sessionId, episodeId: 'ep_1' } };
  }

  it('posts the intervention signed over the exact bytes, with the intervention id as delivery id', async () => {
    const receiver = await startWebhookReceiver([200]);
    const { deps, message } = await setup(receiver.url);
    expect(await deliverIntervention(deps, message, 1)).toEqual({ status: 'delivered' });

    const [delivery] = receiver.received;
    expect(JSON.parse(delivery!.body)).toEqual({
      interventionId: 'iv_1', sessionId: message.sessionId, episodeId: 'ep_1', category: 'tool_call_failure',
      subtype: 'repeated_failing_call', guidance: 'Stop retrying', evidence: { stepIndexes: [1, 2] }, createdAt: new Date(now).toISOString(),
    });
    expect(delivery!.headers['wink-delivery-id']).toBe('iv_1');
    expect(delivery!.headers['wink-signature']).toMatch(new RegExp(`^t=${now / 1000},v1=[0-9a-f]{64}$`));
    expect(verifyWebhookSignature(secret, delivery!.body, String(delivery!.headers['wink-signature']), { nowSeconds: now / 1000 })).toBe(true);
    expect((await store.getIntervention(message.sessionId, 'ep_1'))?.delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    // A redelivered notification does not post again.
    expect(await deliverIntervention(deps, message, 2)).toEqual({ status: 'already_delivered' });
    expect(receiver.received).toHaveLength(1);
    await receiver.close();
  });

  it('retries 5xx and 429 on the schedule: three attempts within 30 s, at least 8 over 10+ minutes', async () => {
    const receiver = await startWebhookReceiver([503, 429]);
    const { deps, message } = await setup(receiver.url);
    expect(await deliverIntervention(deps, message, 1)).toEqual({ status: 'retry', retryAfterSeconds: DEFAULT_RETRY_DELAYS_SECONDS[0], reason: 'HTTP 503' });
    expect(await deliverIntervention(deps, message, 2)).toMatchObject({ status: 'retry', reason: 'HTTP 429' });
    expect(await deliverIntervention(deps, message, 3)).toEqual({ status: 'delivered' });
    const deliveryIds = receiver.received.map((r) => r.headers['wink-delivery-id']);
    expect(deliveryIds).toEqual(['iv_1', 'iv_1', 'iv_1']);

    const startOfAttempt = DEFAULT_RETRY_DELAYS_SECONDS.reduce<number[]>((starts, delay) => [...starts, starts.at(-1)! + delay], [0]);
    expect(WEBHOOK_MAX_ATTEMPTS).toBeGreaterThanOrEqual(8);
    expect(startOfAttempt[2]).toBeLessThanOrEqual(30);
    expect(startOfAttempt.at(-1)).toBeGreaterThanOrEqual(600);
    await receiver.close();
  });

  it('retries network errors and records the last attempt as failed when none are left', async () => {
    const closed = await startWebhookReceiver();
    const url = closed.url;
    await closed.close();
    const { deps, message } = await setup(url);
    expect(await deliverIntervention(deps, message, 1)).toMatchObject({ status: 'retry', reason: 'ECONNREFUSED' });
    expect(await deliverIntervention(deps, message, WEBHOOK_MAX_ATTEMPTS)).toEqual({ status: 'exhausted', reason: 'ECONNREFUSED' });
    expect((await store.getIntervention(message.sessionId, 'ep_1'))?.delivery).toMatchObject({ status: 'failed', attempts: WEBHOOK_MAX_ATTEMPTS, lastError: 'ECONNREFUSED' });
  });

  it('treats a timeout as retryable', async () => {
    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const { deps, message } = await setup(`http://127.0.0.1:${(slow.address() as { port: number }).port}/`);
    expect(await deliverIntervention(deps, message, 1)).toMatchObject({ status: 'retry', reason: 'timed out after 1000 ms' });
    slow.closeAllConnections();
    slow.close();
  });

  it('does not retry a 4xx other than 429: the receiver has answered', async () => {
    const receiver = await startWebhookReceiver([410]);
    const { deps, message } = await setup(receiver.url);
    expect(await deliverIntervention(deps, message, 1)).toEqual({ status: 'rejected' });
    expect((await store.getIntervention(message.sessionId, 'ep_1'))?.delivery).toMatchObject({ status: 'failed', lastStatusCode: 410 });
    await receiver.close();
  });

  it('marks interventions of sessions without a webhook as poll-only', async () => {
    const { deps, message } = await setup(undefined);
    expect(await deliverIntervention(deps, message, 1)).toEqual({ status: 'no_webhook' });
    expect((await store.getIntervention(message.sessionId, 'ep_1'))?.delivery.status).toBe('not_applicable');
  });

});
