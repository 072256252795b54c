import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/apiError.ts';
import { handleApiRequest, type ApiDeps } from '../../shared/api/routes.ts';
import { RATE_WINDOW_SECONDS, RateLimitExceededError, RateLimiter, windowAt } from '../../shared/limits/rateLimits.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { DynamoWindowCounter } from '../../shared/store/rateLimitStore.ts';
import { freshStore } from '../support/localAws.ts';

/** Issue 15 "Limits": fixed-window counters in DynamoDB Local, with an injected clock. */
let counter: DynamoWindowCounter;
let tableName: string;
const WINDOW_START_MS = Date.parse('2026-12-01T10:00:00Z');

beforeEach(async () => {
  ({ tableName } = await freshStore());
  counter = new DynamoWindowCounter(createDocumentClient(), tableName);
});

describe('windowAt', () => {
  it('gives the window start and the whole seconds left in it, at least 1', () => {
    expect(windowAt(WINDOW_START_MS)).toEqual({ windowStartSeconds: WINDOW_START_MS / 1000, retryAfterSeconds: 60 });
    expect(windowAt(WINDOW_START_MS + 59_001)).toEqual({ windowStartSeconds: WINDOW_START_MS / 1000, retryAfterSeconds: 1 });
    expect(windowAt(WINDOW_START_MS + 59_999).retryAfterSeconds).toBe(1);
    expect(windowAt(WINDOW_START_MS + 20_500).retryAfterSeconds).toBe(40);
  });
});

describe('RateLimiter on DynamoDB', () => {
  it('allows the limit per key per window, refuses the next with Retry-After to the window end, and starts again in the next window', async () => {
    let now = WINDOW_START_MS + 15_000;
    const limiter = new RateLimiter(counter, { requestsPerKey: 3, sessionsPerTenant: 0 }, () => now);
    for (let i = 0; i < 3; i += 1) await limiter.takeRequest('key-a');

    const refused = await limiter.takeRequest('key-a').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect(refused).toMatchObject({ scope: 'requests', limit: 3, retryAfterSeconds: 45 });
    await limiter.takeRequest('key-b'); // another key has its own count

    now = WINDOW_START_MS + RATE_WINDOW_SECONDS * 1000;
    await expect(limiter.takeRequest('key-a')).resolves.toBeUndefined();
  });

  it('stores the counter with a TTL a window past its end', async () => {
    const limiter = new RateLimiter(counter, { requestsPerKey: 10, sessionsPerTenant: 10 }, () => WINDOW_START_MS + 1000);
    await limiter.takeSessionCreation('tenant:acme');
    await limiter.takeSessionCreation('tenant:acme');
    const { Item } = await createDocumentClient().send(new GetCommand({
      TableName: tableName, Key: { pk: 'RATELIMIT#sessions#tenant:acme', sk: `WINDOW#${WINDOW_START_MS / 1000}` },
    }));
    expect(Item).toMatchObject({ requestCount: 2, expiresAt: WINDOW_START_MS / 1000 + 2 * RATE_WINDOW_SECONDS });
  });

  it('lets exactly the limit through when requests race (the conditional update is the only arbiter)', async () => {
    const limiter = new RateLimiter(counter, { requestsPerKey: 10, sessionsPerTenant: 0 }, () => WINDOW_START_MS);
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, () => limiter.takeRequest('busy-key')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof RateLimitExceededError)).toHaveLength(15);
  });

  it('lets the request through and reports it when the counter itself fails (fails open)', async () => {
    const failures: unknown[] = [];
    const broken = { incrementBelow: async () => { throw new Error('ProvisionedThroughputExceededException'); } };
    const limiter = new RateLimiter(broken, { requestsPerKey: 1, sessionsPerTenant: 1 }, () => WINDOW_START_MS, (error) => failures.push(error));
    await expect(limiter.takeRequest('k')).resolves.toBeUndefined();
    await expect(limiter.takeSessionCreation('t')).resolves.toBeUndefined();
    expect(failures).toHaveLength(2);
  });

  it('a limit of 0 is off and writes nothing', async () => {
    const limiter = new RateLimiter({ incrementBelow: async () => { throw new Error('must not be called'); } }, { requestsPerKey: 0, sessionsPerTenant: 0 });
    await expect(limiter.takeRequest('k')).resolves.toBeUndefined();
    await expect(limiter.takeSessionCreation('t')).resolves.toBeUndefined();
  });
});

describe('the HTTP router', () => {
  const authenticator = { authenticate: async () => 'tenant:acme', authenticateCaller: async () => ({ keyHash: 'key-1', ownerId: 'tenant:acme' }) };
  const request = (method: string, path: string, body?: unknown) => ({
    method, path, headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
  });

  it('answers 429 with Retry-After and a JSON error naming the limit, per key for requests and per tenant for sessions', async () => {
    const { store } = await freshStore();
    const now = WINDOW_START_MS + 30_000;
    const deps = {
      store, authenticator, now: () => now,
      rateLimiter: new RateLimiter(counter, { requestsPerKey: 4, sessionsPerTenant: 2 }, () => now),
      experiments: { enrol: async () => undefined },
    } as unknown as ApiDeps;

    expect((await handleApiRequest(deps, request('POST', '/v1/sessions', { agentId: 'a', task: 't' }))).statusCode).toBe(201);
    expect((await handleApiRequest(deps, request('POST', '/v1/sessions', { agentId: 'a', task: 't' }))).statusCode).toBe(201);
    const sessions = await handleApiRequest(deps, request('POST', '/v1/sessions', { agentId: 'a', task: 't' })).catch((e: unknown) => e);
    expect(sessions).toBeInstanceOf(ApiError);
    expect(sessions).toMatchObject({ statusCode: 429, code: 'rate_limited', headers: { 'retry-after': '30' } });
    expect((sessions as ApiError).message).toMatch(/at most 2 new sessions per 60 s per tenant/);

    await handleApiRequest(deps, request('GET', '/v1/sessions/ses_missing')).catch(() => undefined); // the 4th request: a 404 still counts
    const requests = await handleApiRequest(deps, request('GET', '/v1/sessions/ses_missing')).catch((e: unknown) => e);
    expect(requests).toMatchObject({ statusCode: 429, headers: { 'retry-after': '30' } });
    expect((requests as ApiError).toBody()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/at most 4 requests per 60 s per API key/) } });
  });
});
