import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator } from '../../shared/api/authenticate.ts';
import { handleApiRequest, type ApiDeps } from '../../shared/api/routes.ts';
import { sha256Hex } from '../../shared/canonicalJson.ts';
import { StepsQueue } from '../../shared/queue/sqsQueues.ts';
import { ClaudeCodeLinkStore } from '../../shared/store/claudeCodeLinks.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { ExperimentStore } from '../../shared/store/experimentStore.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { freshQueue, freshStore } from '../support/localAws.ts';
import { call } from '../support/steps.ts';

/** Issue 8 item 11: a session that keeps receiving steps does not expire 30 days after it was created. */
describe('session expiry', () => {
  const day = 86_400_000;
  const created = Date.parse('2026-11-01T00:00:00Z');
  let clock = created;
  let store: WinkStore;
  let tableName: string;
  let deps: ApiDeps;
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

  beforeAll(async () => {
    ({ store, tableName } = await freshStore(30));
    await store.putApiKey(sha256Hex('key'), 'test', new Date(created).toISOString());
    deps = {
      store,
      authenticator: new ApiKeyAuthenticator(store),
      claudeCodeLinks: new ClaudeCodeLinkStore(createDocumentClient(), tableName, 30),
      experiments: new ExperimentStore(createDocumentClient(), tableName, 30),
      stepsQueue: new StepsQueue(sqs, await freshQueue(sqs, 'steps')),
      now: () => clock,
    };
  });

  afterAll(() => sqs.destroy());

  const request = (method: string, path: string, body: unknown) =>
    handleApiRequest(deps, { method, path, headers: { authorization: 'Bearer key', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const sessionExpiresAt = async (sessionId: string) => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: `SESSION#${sessionId}`, sk: 'SESSION' } }));
    doc.destroy();
    return Item?.expiresAt as number;
  };

  it('pushes the session item\'s expiry to retention from the last step posted', async () => {
    const { body } = await request('POST', '/v1/sessions', { agentId: 'a', task: 't' });
    const { sessionId } = body as { sessionId: string };
    expect(await sessionExpiresAt(sessionId)).toBe(created / 1000 + 30 * 86_400);

    clock = created + 25 * day;
    expect((await request('POST', `/v1/sessions/${sessionId}/steps`, call(0, 'ls'))).statusCode).toBe(202);
    expect(await sessionExpiresAt(sessionId)).toBe(clock / 1000 + 30 * 86_400);

    // Within a day of the last refresh nothing is rewritten.
    const refreshed = clock;
    clock += 3_600_000;
    await request('POST', `/v1/sessions/${sessionId}/steps`, call(1, 'pwd'));
    expect(await sessionExpiresAt(sessionId)).toBe(refreshed / 1000 + 30 * 86_400);
  });
});
