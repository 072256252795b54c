import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../local/httpServer.ts';
import { createLocalResources } from '../../local/resources.ts';
import { lambdaContext } from '../../local/sqsPoller.ts';
import { canonicalJson, sha256Hex } from '../../shared/canonicalJson.ts';
import { ENV } from '../../shared/config.ts';
import { createSqsClient } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { apiKeyPk, sessionPk } from '../../shared/store/keys.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { fuzzRequestArb, rawHttpRequest, type FuzzRequest } from '../support/httpFuzz.ts';
import { useLocalAws } from '../support/localAws.ts';
import { cleanRun } from '../support/steps.ts';

/**
 * Property-based fuzz of the whole HTTP API (issue 15), seeded: random methods, paths around every
 * declared route (encoded, traversal, huge ids), headers (keys of two tenants, none, garbage;
 * content types; Idempotency-Key), query strings and bodies (valid, mutated, binary, huge, deep).
 * The cheap part calls the ingest Lambda handler itself in process (1,000 cases) against DynamoDB
 * Local and fauxqs; a smaller part sends the same kind of requests as raw bytes to the local HTTP
 * server in front of it. Properties: never a 5xx; every 4xx says what was wrong; the server keeps
 * answering; the sessions and key of a third tenant, and the fuzzing tenant's sessions it never
 * names, are unchanged item for item in DynamoDB.
 */
const SEED = 15_2026;
const IN_PROCESS_CASES = 1_000;
const HTTP_CASES = 150;
const CHECK_EVERY = 100;

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;

describe('HTTP API fuzz (ingest handler + local HTTP server, DynamoDB Local, fauxqs)', () => {
  let handler: Handler;
  let server: Server;
  let port: number;
  let tableName: string;
  const documents = () => createDocumentClient();
  const keys = { fuzzer: 'wink_fuzz_b_0123456789', otherFuzzer: 'wink_fuzz_c_0123456789', bystander: 'wink_fuzz_a_0123456789' };
  /** Sessions the fuzz aims at: the fuzzer's own; the other fuzzing key's and the bystander's (404 to the wrong key). */
  const own: string[] = [];
  const foreign: string[] = [];
  /** Partitions no fuzz request may change: the bystander's sessions and API key, the fuzzer's unnamed sessions. */
  const untouched: string[] = [];
  let snapshot: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    useLocalAws();
    const prefix = `fuzz-${process.pid}`;
    const dynamo = new DynamoDBClient({});
    const sqs = createSqsClient();
    const resources = await createLocalResources(dynamo, sqs, { prefix, notificationsMaxReceiveCount: 3 });
    dynamo.destroy();
    tableName = resources.tableName;
    Object.assign(process.env, {
      [ENV.tableName]: resources.tableName,
      [ENV.stepsQueueUrl]: resources.stepsQueueUrl,
      // Loopback webhooks accepted without a DNS lookup: the fuzz never leaves this machine.
      [ENV.allowPrivateWebhooks]: 'true',
      POWERTOOLS_SERVICE_NAME: 'wink',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Quiet: refused requests are the point here. WINK_FUZZ_LOG_LEVEL=ERROR shows what a 5xx logged.
      POWERTOOLS_LOG_LEVEL: process.env.WINK_FUZZ_LOG_LEVEL ?? 'CRITICAL',
    });
    const store = new WinkStore(documents(), tableName);
    for (const [name, key] of Object.entries(keys)) await store.putApiKey(sha256Hex(key), name, '2026-12-01T00:00:00.000Z');
    // Imported only now: the handler reads its configuration from the environment at load time.
    handler = (await import('../../functions/ingest/handler.ts')).handler as unknown as Handler;
    server = await startApiServer(handler as never, 0);
    port = (server.address() as { port: number }).port;

    const newSession = async (key: string) => {
      const created = await call({ method: 'POST', path: '/v1/sessions', query: '', headers: auth(key), body: JSON.stringify({ agentId: 'fuzz', task: 'Fix the off-by-one' }) });
      const sessionId = JSON.parse(created.body!).sessionId as string;
      const posted = await call({ method: 'POST', path: `/v1/sessions/${sessionId}/steps`, query: '', headers: auth(key), body: JSON.stringify({ steps: cleanRun() }) });
      expect(posted.statusCode).toBe(202);
      return sessionId;
    };
    for (let i = 0; i < 2; i += 1) untouched.push(sessionPk(await newSession(keys.bystander)), sessionPk(await newSession(keys.fuzzer)));
    // The bystander's key only: the fuzzing keys' own items may legitimately record their use.
    untouched.push(apiKeyPk(sha256Hex(keys.bystander)));
    foreign.push(...untouched.filter((pk, i) => i % 2 === 0 && pk.startsWith('SESSION#')).map((pk) => pk.slice('SESSION#'.length)));
    for (let i = 0; i < 3; i += 1) own.push(await newSession(keys.fuzzer));
    foreign.push(await newSession(keys.otherFuzzer));
    snapshot = await snapshotOf(untouched);
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => { server?.close(() => resolve()); server?.closeAllConnections(); });
  });

  // `own` is passed live: sessions the fuzz creates join it.
  const fuzzContext = () => ({ apiKeys: [keys.fuzzer, keys.otherFuzzer], ownSessionIds: own, foreignSessionIds: foreign });
  const auth = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

  async function call(request: FuzzRequest): Promise<APIGatewayProxyStructuredResultV2> {
    const now = Date.now();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: request.path,
      rawQueryString: request.query,
      headers: request.headers,
      requestContext: {
        accountId: 'fuzz', apiId: 'fuzz', domainName: 'localhost', domainPrefix: 'localhost',
        http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' },
        requestId: `fuzz-${now}`, routeKey: '$default', stage: '$default', time: new Date(now).toISOString(), timeEpoch: now,
      },
      isBase64Encoded: request.base64 === true,
      ...(request.body !== undefined ? { body: request.base64 ? Buffer.from(request.body, 'utf8').toString('base64') : request.body } : {}),
    };
    return handler(event, lambdaContext('wink-fuzz-api'));
  }

  /** Every item of the given partitions, canonical JSON, in key order. */
  async function snapshotOf(partitions: string[]): Promise<string> {
    const client = documents();
    const items: unknown[] = [];
    for (const pk of partitions) {
      const page = await client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }));
      expect(page.LastEvaluatedKey).toBeUndefined();
      items.push(...(page.Items ?? []));
    }
    client.destroy();
    return canonicalJson(items);
  }

  /** The server still answers, and nobody else's data moved. */
  async function checkpoint(): Promise<void> {
    expect(await rawHttpRequest(port, { method: 'GET', path: '/v1/openapi.json', query: '', headers: {} })).toBe(200);
    // One of the fuzzer's sessions it never names: its own may have been DELETEd by the fuzz.
    const neverNamed = untouched[1]!.slice('SESSION#'.length);
    expect(await rawHttpRequest(port, { method: 'GET', path: `/v1/sessions/${neverNamed}`, query: '', headers: auth(keys.fuzzer) })).toBe(200);
    expect(await snapshotOf(untouched)).toBe(snapshot);
  }

  const describeRequest = (request: FuzzRequest) =>
    JSON.stringify({ ...request, body: request.body && request.body.length > 300 ? `${request.body.slice(0, 300)}… (${request.body.length} chars)` : request.body }).slice(0, 2_000);

  it(`${IN_PROCESS_CASES} requests to the ingest handler: never a 5xx, every 4xx explains itself, others' sessions unchanged`, async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequestArb(fuzzContext()), async (request) => {
        const response = await call(request);
        const status = response.statusCode ?? 200;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, describeRequest(request)).toBeLessThan(500);
        const created = status === 201 && request.headers.authorization === `Bearer ${keys.fuzzer}` ? JSON.parse(response.body ?? '{}').sessionId : undefined;
        if (typeof created === 'string') own.push(created);
        if (status >= 400) {
          const error = (JSON.parse(response.body ?? '{}') as { error?: { code?: unknown; message?: unknown } }).error;
          expect(typeof error?.code, describeRequest(request)).toBe('string');
          expect(typeof error?.message, describeRequest(request)).toBe('string');
        }
        if ((cases += 1) % CHECK_EVERY === 0) await checkpoint();
      }),
      { seed: SEED, numRuns: IN_PROCESS_CASES, endOnFailure: true },
    );
    await checkpoint();
    // The fuzz reached past authentication and routing into every kind of answer, not just 401/404.
    for (const status of [200, 201, 202, 400, 401, 404, 405, 413, 415]) expect(statuses.get(status) ?? 0, `status ${status}: ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    console.info(`http fuzz, in process: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  }, 120_000);

  it(`${HTTP_CASES} raw HTTP requests to the local server: never a 5xx, the server stays up, others' sessions unchanged`, async () => {
    const httpStatuses = new Map<number, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequestArb(fuzzContext()), async (request) => {
        const status = await rawHttpRequest(port, request);
        httpStatuses.set(status, (httpStatuses.get(status) ?? 0) + 1);
        expect(status, describeRequest(request)).toBeLessThan(500);
        if ((cases += 1) % 50 === 0) await checkpoint();
      }),
      { seed: SEED + 1, numRuns: HTTP_CASES, endOnFailure: true },
    );
    await checkpoint();
    console.info(`http fuzz, raw HTTP: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries([...httpStatuses].sort(([a], [b]) => a - b)))}`);
  }, 120_000);
});
