import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { failingLoop } from '../support/steps.ts';

/** Experiments on the local stack: sessions in arms, ended with an outcome. */
describe('experiments (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `experiments-${process.pid}`,
    });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const end = (sessionId: string, body: unknown) => api.request('POST', `/v1/sessions/${sessionId}/end`, body);

  describe('POST /v1/sessions/{id}/end', () => {
    it('records the outcome once, answers a repeat with the same end, and refuses steps afterwards with 409', async () => {
      const { body: created } = await api.createSession({ agentId: 'a', task: 'Fix it', experiment: { name: 'end-test', arm: 'treatment' } });
      expect(created).toMatchObject({ mode: 'active', experiment: { name: 'end-test', arm: 'treatment' } });
      expect((await api.postSteps(created.sessionId, { steps: failingLoop(1) })).status).toBe(202);

      const first = await end(created.sessionId, { outcome: 'success', engineerInterventions: 2 });
      expect(first).toEqual({ status: 200, body: { sessionId: created.sessionId, end: { outcome: 'success', engineerInterventions: 2, endedAt: expect.any(String) } } });
      expect(await end(created.sessionId, { outcome: 'success', engineerInterventions: 2 })).toEqual(first);

      const changed = await end(created.sessionId, { outcome: 'failure' });
      expect(changed.status).toBe(409);
      expect(changed.body.error).toMatchObject({ code: 'session_ended', message: expect.stringContaining('success') });

      const late = await api.postSteps(created.sessionId, { index: 3, type: 'assistant', content: 'one more thing' });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({ code: 'session_ended' });
    });

    it('refuses a bad outcome or count naming the field, and an unknown session with 404', async () => {
      const { body: created } = await api.createSession({ agentId: 'a', task: 't' });
      const bad = await end(created.sessionId, { outcome: 'great' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('outcome');
      const negative = await end(created.sessionId, { outcome: 'success', engineerInterventions: -1 });
      expect(negative.status).toBe(400);
      expect(negative.body.error.details[0].path).toBe('engineerInterventions');
      expect((await end('ses_missing', { outcome: 'success' })).status).toBe(404);
    });
  });
});
