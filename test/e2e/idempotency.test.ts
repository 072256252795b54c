import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { sha256Hex } from '../../shared/canonicalJson.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { apiClient } from '../support/apiClient.ts';

/** Issue 8 item 11: a retried POST /v1/sessions with an Idempotency-Key creates one session, over HTTP on the local stack. */
describe('POST /v1/sessions with Idempotency-Key', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `idem-${process.pid}`,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const body = { agentId: 'a', task: 'Fix the failing test', constraints: ['no new deps'], webhook: { url: 'http://127.0.0.1:9/hook' } };
  const create = (payload: unknown, key?: string, apiKey = stack.apiKey) =>
    apiClient(stack.url, apiKey).request('POST', '/v1/sessions', payload, key === undefined ? {} : { 'idempotency-key': key });

  it('answers a retry with the same key and body with the same 201 body, secret included, and creates nothing new', async () => {
    const key = crypto.randomUUID();
    const first = await create(body, key);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ sessionId: expect.stringMatching(/^ses_/), webhookSecret: expect.stringMatching(/^whsec_/), mode: 'active' });
    // Same JSON value, other key order: the same request.
    const retry = await create({ webhook: body.webhook, constraints: body.constraints, task: body.task, agentId: body.agentId }, key);
    expect(retry).toEqual(first);
  });

  it('gives concurrent retries one session', async () => {
    const key = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(body, key)));
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.sessionId));
    expect(ids.size).toBe(1);
    // A request that met another still in flight may be told to retry; retrying gives the one session.
    for (const answer of answers.filter((a) => a.status !== 201)) expect(answer).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_in_use' } } });
    expect((await create(body, key)).body.sessionId).toBe([...ids][0]);
  });

  it('refuses the same key with a different body with a 422 that says so', async () => {
    const key = crypto.randomUUID();
    expect((await create(body, key)).status).toBe(201);
    const other = await create({ ...body, task: 'Something else' }, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', message: expect.stringMatching(/Idempotency-Key/) });
  });

  it('scopes keys to the API key that used them, and creates a new session for every request without a key', async () => {
    const otherKey = `wink_other_${crypto.randomUUID()}`;
    await new WinkStore(createDocumentClient(), stack.resources.tableName).putApiKey(sha256Hex(otherKey), 'other', new Date().toISOString());
    const key = crypto.randomUUID();
    const mine = await create(body, key);
    const theirs = await create(body, key, otherKey);
    expect(theirs.status).toBe(201);
    expect(theirs.body.sessionId).not.toBe(mine.body.sessionId);
    expect(theirs.body.webhookSecret).not.toBe(mine.body.webhookSecret);

    const a = await create(body);
    const b = await create(body);
    expect(a.body.sessionId).not.toBe(b.body.sessionId);
  });

  it('refuses a malformed key with a 400 naming the header and its limits', async () => {
    for (const key of ['short', 'x'.repeat(256), 'has spaces in it, long enough']) {
      const answer = await create(body, key);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_idempotency_key', details: [{ path: 'Idempotency-Key' }] });
    }
  });
});
