import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { MAX_BODY_BYTES } from '../../shared/steps.ts';
import { apiClient } from '../support/apiClient.ts';
import { call, failingLoop, result } from '../support/steps.ts';

/** The HTTP contract's error answers, over real HTTP against the local stack. */
describe('HTTP API contract', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let sessionId: string;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `contract-${process.pid}`,
    });
    api = apiClient(stack.url, stack.apiKey);
    sessionId = (await api.createSession({ agentId: 'contract', task: 'Fix the bug' })).body.sessionId;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('authentication comes first', () => {
    it.each([
      ['no header', {}],
      ['a wrong key', { authorization: 'Bearer not-a-key' }],
      ['another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ])('answers 401 for %s, even on an unknown session with a bad body', async (_label, headers) => {
      const response = await fetch(`${stack.url}/v1/sessions/nope/steps`, { method: 'POST', headers, body: 'not json' });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toMatch(/API key/);
    });
  });

  it('creates a session with constraints, policy and webhook, returning a webhook secret', async () => {
    const response = await api.createSession({
      agentId: 'a', task: 'Fix the bug', constraints: ['do not touch tests/'],
      policy: { forbiddenPaths: ['tests/**'], forbiddenCommands: ['git push'] }, webhook: { url: 'https://example.test/hook' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ sessionId: expect.stringMatching(/^ses_/), webhookSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), mode: 'active' });
  });

  it('rejects an invalid session with 400 naming the field', async () => {
    const response = await api.createSession({ agentId: 'a' });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({ path: 'task', message: expect.any(String) });
    expect(response.body.error.message).toContain('task');
  });

  it('answers 404 for an unknown session, on every route', async () => {
    for (const [method, path] of [['POST', '/v1/sessions/ses_missing/steps'], ['GET', '/v1/sessions/ses_missing'], ['GET', '/v1/sessions/ses_missing/interventions']] as const) {
      const response = await api.request(method, path, method === 'POST' ? { index: 0, type: 'user', content: 'x' } : undefined);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('session_not_found');
    }
  });

  it('hides a session from other API keys', async () => {
    const other = apiClient(stack.url, 'another-key');
    const { WinkStore } = await import('../../shared/store/winkStore.ts');
    const { createDocumentClient } = await import('../../shared/store/documentClient.ts');
    const { sha256Hex } = await import('../../shared/canonicalJson.ts');
    await new WinkStore(createDocumentClient(), stack.resources.tableName).putApiKey(sha256Hex('another-key'), 'other', new Date().toISOString());
    expect((await other.getSession(sessionId)).status).toBe(404);
    expect((await api.getSession(sessionId)).status).toBe(200);
  });

  it('rejects an invalid step with 400 saying which field of which step is wrong', async () => {
    const response = await api.postSteps(sessionId, { steps: [{ index: 0, type: 'user' }, { index: -1, type: 'thought' }] });
    expect(response.status).toBe(400);
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['steps[1].index', 'steps[1].type']));
    expect(response.body.error.message).toContain('steps[1]');
  });

  it('rejects unknown step fields instead of silently dropping them', async () => {
    const response = await api.postSteps(sessionId, { index: 0, type: 'user', contnet: 'typo' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error)).toContain('contnet');
  });

  it('rejects unknown fields next to "steps"', async () => {
    const response = await api.postSteps(sessionId, { steps: [{ index: 0, type: 'user' }], sessionId: 'x' });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'sessionId', message: 'unknown field' }]);
  });

  it('answers 400 for malformed JSON and an empty batch', async () => {
    expect((await api.postSteps(sessionId, '{"index": 0,')).body.error.code).toBe('invalid_json');
    expect((await api.postSteps(sessionId, { steps: [] })).status).toBe(400);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await api.request('POST', `/v1/sessions/${sessionId}/steps`, 'index=0', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(response.body.error.message).toContain('application/json');
  });

  it('answers 413 for more than 100 steps, stating the limit', async () => {
    const steps = Array.from({ length: 101 }, (_, index) => ({ index, type: 'assistant', content: `step ${index}` }));
    const response = await api.postSteps(sessionId, { steps });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toContain('100');
  });

  it('answers 413 for a step over 256 KiB, naming the step', async () => {
    const response = await api.postSteps(sessionId, { index: 500, type: 'tool_result', content: 'x'.repeat(300 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toMatch(/Step 500 .*262144 bytes/);
  });

  it('answers 413 for a body over 5 MiB, and the client receives it after uploading', async () => {
    const body = JSON.stringify({ steps: [{ index: 0, type: 'user', content: 'y'.repeat(MAX_BODY_BYTES + 1024) }] });
    const { status, text } = await rawPost(`${stack.url}/v1/sessions/${sessionId}/steps`, stack.apiKey, body);
    expect(status).toBe(413);
    expect(JSON.parse(text).error.message).toContain(String(MAX_BODY_BYTES));
  });

  it('accepts a body just under 5 MiB of steps just under 256 KiB each', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const steps = Array.from({ length: 20 }, (_, index) => ({ index, type: 'tool_result', content: 'z'.repeat(255 * 1024) }));
    expect(Buffer.byteLength(JSON.stringify({ steps }))).toBeLessThan(MAX_BODY_BYTES);
    expect(await api.postSteps(body.sessionId, { steps })).toEqual({ status: 202, body: { accepted: 20, interventions: [] } });
    expect((await api.getSession(body.sessionId)).body.stepCount).toBe(20);
  });

  it('accepts the same step twice with no further effect, and counts duplicates in accepted', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const step = call(0, 'ls');
    expect(await api.postSteps(body.sessionId, step)).toEqual({ status: 202, body: { accepted: 1, interventions: [] } });
    expect(await api.postSteps(body.sessionId, { steps: [step, step, result(1, 'a.txt')] })).toEqual({ status: 202, body: { accepted: 3, interventions: [] } });
    // Key order does not matter: the same step is the same step.
    const reordered = Object.fromEntries(Object.entries(step).reverse());
    expect((await api.postSteps(body.sessionId, reordered)).status).toBe(202);
    expect((await api.getSession(body.sessionId)).body.stepCount).toBe(2);
  });

  it('keeps stepCount exact under concurrent posts, duplicates and overlaps included', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const batches = Array.from({ length: 6 }, (_, b) => ({ steps: Array.from({ length: 10 }, (_, i) => call(b * 5 + i, `echo ${b * 5 + i}`)) }));
    const responses = await Promise.all(batches.map((batch) => api.postSteps(body.sessionId, batch)));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect((await api.getSession(body.sessionId)).body.stepCount).toBe(35);
  });

  it('answers 409 naming the index when a step differs from the stored one, storing nothing from that batch', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    await api.postSteps(body.sessionId, call(0, 'ls'));
    const response = await api.postSteps(body.sessionId, { steps: [result(1, 'ok'), call(0, 'ls -la'), call(2, 'pwd')] });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('Step index 0');
    expect((await api.getSession(body.sessionId)).body.stepCount).toBe(1);
  });

  it('answers 409 when one request holds the same index twice with different content', async () => {
    const response = await api.postSteps(sessionId, { steps: [call(40, 'ls'), call(40, 'pwd')] });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain('40');
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    expect((await api.request('GET', '/v2/nothing')).status).toBe(404);
    const response = await api.request('PUT', `/v1/sessions/${sessionId}`);
    expect(response.status).toBe(405);
    expect(response.body.error.message).toContain('GET');
  });

  it('accepts a looping trajectory posted one step at a time, out of order', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const steps = failingLoop(3).reverse();
    for (const step of steps) expect((await api.postSteps(body.sessionId, step)).status).toBe(202);
    expect((await api.getSession(body.sessionId)).body.stepCount).toBe(steps.length);
  });
});

/** A plain http.request, so the test sees exactly what a client that streams its upload sees. */
function rawPost(url: string, apiKey: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}
