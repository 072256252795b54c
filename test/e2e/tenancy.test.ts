import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { ApiKeyStore } from '../../shared/store/apiKeyStore.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { generateApiKey, hashApiKey } from '../../shared/tenancy/apiKeys.ts';
import { apiClient } from '../support/apiClient.ts';
import { hookSession } from '../support/claudeCodeHooks.ts';
import { failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * Issue 15 "API keys" (tenant scope) and "Deletion", through the real HTTP router of the local
 * stack on DynamoDB Local and fauxqs.
 */
let stack: LocalStack;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const key = { acmeA: generateApiKey(), acmeB: generateApiKey(), globex: generateApiKey() };

beforeAll(async () => {
  stack = await startLocalStack({
    endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
    port: 0,
    prefix: `tenancy-${process.pid}`,
  });
  receiver = await startWebhookReceiver();
  const keys = new ApiKeyStore(createDocumentClient(), stack.resources.tableName);
  const createdAt = new Date().toISOString();
  await keys.putApiKey({ keyHash: hashApiKey(key.acmeA), name: 'acme-a', tenant: 'acme', createdAt });
  await keys.putApiKey({ keyHash: hashApiKey(key.acmeB), name: 'acme-b', tenant: 'acme', createdAt });
  await keys.putApiKey({ keyHash: hashApiKey(key.globex), name: 'globex', tenant: 'globex', createdAt });
});

afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

/** Every item in the table that names the session anywhere (key or attribute). */
async function itemsMentioning(sessionId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await createDocumentClient().send(new ScanCommand({ TableName: stack.resources.tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).filter((item) => JSON.stringify(item).includes(sessionId)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const onlyTombstone = (sessionId: string) => [{
  pk: `SESSION#${sessionId}`, sk: 'STEPCOUNT', deletedAt: expect.any(String), ownerKeyHash: expect.any(String), related: expect.any(Array), expiresAt: expect.any(Number),
}];

describe('tenant-scoped keys', () => {
  it('keys of one tenant share its sessions; another tenant, or a key without one, gets 404', async () => {
    const a = apiClient(stack.url, key.acmeA);
    const b = apiClient(stack.url, key.acmeB);
    const { status, body: created } = await a.createSession({ agentId: 'agent', task: 'Fix the failing import in app.py' });
    expect(status).toBe(201);

    expect((await b.postSteps(created.sessionId, { steps: failingLoop(1) })).status).toBe(202);
    expect((await b.getSession(created.sessionId)).body).toMatchObject({ sessionId: created.sessionId, stepCount: 3 });
    for (const outsider of [apiClient(stack.url, key.globex), apiClient(stack.url, stack.apiKey)]) {
      expect((await outsider.getSession(created.sessionId)).body).toMatchObject({ error: { code: 'session_not_found' } });
      expect((await outsider.postSteps(created.sessionId, { steps: failingLoop(1, 10) })).status).toBe(404);
      expect((await outsider.getInterventions(created.sessionId)).status).toBe(404);
      expect((await outsider.request('DELETE', `/v1/sessions/${created.sessionId}`)).status).toBe(404);
    }
    expect((await a.getSession(created.sessionId)).body).toMatchObject({ stepCount: 3 });
  });

  it('a key without a tenant keeps the sessions it owned before tenants existed (owner = its hash)', async () => {
    const legacy = apiClient(stack.url, stack.apiKey);
    const { body: created } = await legacy.createSession({ agentId: 'agent', task: 't' });
    const [item] = (await itemsMentioning(created.sessionId)).filter((i) => i.sk === 'SESSION');
    expect(item?.ownerKeyHash).toBe(hashApiKey(stack.apiKey));
    expect((await legacy.getSession(created.sessionId)).status).toBe(200);
  });
});

describe('DELETE /v1/sessions/{id}', () => {
  it('removes every item of a session that was detected, delivered, in an experiment and created with an Idempotency-Key; then 404s', async () => {
    const api = apiClient(stack.url, key.acmeA);
    const idempotencyKey = `idem-${generateApiKey()}`;
    const body = { agentId: 'agent', task: 'Fix the failing import in app.py', webhook: { url: receiver.url }, experiment: { name: 'deletion', arm: 'treatment' } };
    const { body: created } = await api.request('POST', '/v1/sessions', body, { 'idempotency-key': idempotencyKey });
    const id = created.sessionId as string;
    await api.postSteps(id, { steps: failingLoop(4) });
    await eventually(() => receiver.received.find((r) => r.body.includes(id)), 20_000, 'the webhook delivery');
    const kinds = new Set((await itemsMentioning(id)).map((item) => String(item.sk).split('#')[0]));
    expect([...kinds]).toEqual(expect.arrayContaining(['SESSION', 'STEPCOUNT', 'STEP', 'VERDICT', 'EPISODE', 'INTERVENTION', 'MEMBER', 'IDEMPOTENCY']));

    const deleted = await fetch(`${stack.url}/v1/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key.acmeB}` } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');

    expect(await itemsMentioning(id)).toEqual(onlyTombstone(id));
    expect((await api.getSession(id)).status).toBe(404);
    expect((await api.postSteps(id, { steps: failingLoop(1, 20) })).status).toBe(404);
    expect((await api.getInterventions(id)).status).toBe(404);
    expect((await api.request('POST', `/v1/sessions/${id}/end`, { outcome: 'success' })).status).toBe(404);
    expect((await api.request('POST', `/v1/sessions/${id}/webhook-secret`, {})).status).toBe(404);
    expect((await api.request('DELETE', `/v1/sessions/${id}`)).body).toMatchObject({ error: { code: 'session_not_found' } });
    // The Idempotency-Key is free again: its retry creates a new session instead of pointing at the deleted one.
    const retried = await api.request('POST', '/v1/sessions', body, { 'idempotency-key': idempotencyKey });
    expect(retried.status).toBe(201);
    expect(retried.body.sessionId).not.toBe(id);
    // Queued detection and deliveries that arrive afterwards find nothing and write nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await itemsMentioning(id)).toEqual(onlyTombstone(id));
  });

  it('removes a Claude Code session and its link; the next hook of that session_id starts a new Wink session', async () => {
    const api = apiClient(stack.url, key.acmeA);
    const hooks = hookSession(`cc-${generateApiKey()}`);
    expect((await api.request('POST', '/v1/integrations/claude-code/hooks', hooks.prompt('Fix the failing test'))).status).toBe(200);
    expect((await api.request('POST', '/v1/integrations/claude-code/hooks', hooks.preBash('pytest -q', 'toolu_1'))).status).toBe(200);
    const link = async () => (await eventually(async () => {
      const page = await createDocumentClient().send(new ScanCommand({ TableName: stack.resources.tableName }));
      return page.Items?.find((item) => item.sk === 'CLAUDECODE' && String(item.pk).endsWith(hooks.prompt('').session_id));
    }, 10_000, 'the Claude Code link')).sessionId as string;
    const first = await link();

    expect((await api.request('DELETE', `/v1/sessions/${first}`)).status).toBe(204);
    expect(await itemsMentioning(first)).toEqual(onlyTombstone(first));

    expect((await api.request('POST', '/v1/integrations/claude-code/hooks', hooks.prompt('Again'))).status).toBe(200);
    const second = await link();
    expect(second).not.toBe(first);
    expect((await api.getSession(second)).body).toMatchObject({ stepCount: 1 });
  });
});

describe('webhook delivery', () => {
  it('does not follow a redirect: a receiver answering 302 to another loopback server, that server sees nothing', async () => {
    const { createServer } = await import('node:http');
    const elsewhere = await startWebhookReceiver();
    const redirector = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(302, { location: elsewhere.url }).end());
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const api = apiClient(stack.url, key.acmeA);
      const { port } = redirector.address() as { port: number };
      const { body: created } = await api.createSession({ agentId: 'a', task: 'Fix the failing import in app.py', webhook: { url: `http://127.0.0.1:${port}/wink` } });
      await api.postSteps(created.sessionId, { steps: failingLoop(4) });

      const delivery = await eventually(async () => {
        const [intervention] = (await api.getSession(created.sessionId)).body.interventions ?? [];
        return intervention?.delivery.attempts > 0 ? intervention.delivery : undefined;
      }, 20_000, 'the delivery attempt');
      expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastResult: 'http_3xx' });
      expect(elsewhere.received).toEqual([]);
    } finally {
      redirector.closeAllConnections();
      redirector.close();
      await elsewhere.close();
    }
  });
});
