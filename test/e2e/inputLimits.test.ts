import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { MAX_STEPS_AHEAD_OF_DETECTION } from '../../shared/steps.ts';
import { apiClient } from '../support/apiClient.ts';
import { failingLoop, say } from '../support/steps.ts';
import { eventually } from '../support/webhookReceiver.ts';

/**
 * Client input that used to answer 500 (issue 8, items 4 and 5), over real HTTP against the local
 * stack with DynamoDB Local: each is now a 4xx naming the field and the limit, and nothing else
 * a client sends reaches DynamoDB in a shape it refuses.
 */
describe('client input limits (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let sessionId: string;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `limits-${process.pid}`,
    });
    api = apiClient(stack.url, stack.apiKey);
    sessionId = (await api.createSession({ agentId: 'limits', task: 'Fix the bug' })).body.sessionId;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const postRawStep = (json: string) => api.postSteps(sessionId, json);
  const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

  describe('a step whose tool input DynamoDB cannot store is a 400 naming the field and the limit', () => {
    it.each([
      ['a number beyond a double (1e400)', '{"n": 1e400}', 'toolInput.n', /finite/],
      ['a number the marshaller cannot store exactly (1e300)', '{"n": 1e300}', 'toolInput.n', /9007199254740991/],
      ['a negative one (-1e300)', '{"n": -1e300}', 'toolInput.n', /9007199254740991/],
      ['a number below DynamoDB\'s range (1e-200)', '{"n": 1e-200}', 'toolInput.n', /1e-130/],
      ['an integer past 2^53 (9007199254740994)', '{"n": 9007199254740994}', 'toolInput.n', /9007199254740991/],
      ['an empty attribute name', '{"": 1}', 'toolInput', /empty/],
      ['arrays nested 31 deep', `{"a": ${nested(31, '[', ']')}}`, 'toolInput.a', /20 levels/],
      ['objects nested 20,000 deep', `{"a": ${nested(20_000, '{"a":', '}')}}`, 'toolInput.a', /20 levels/],
      ['a lone surrogate', '{"s": "\\ud800"}', 'toolInput.s', /UTF-16|surrogate/],
    ])('%s', async (_label, toolInput, path, limit) => {
      const response = await postRawStep(`{"index": 0, "type": "tool_call", "toolName": "t", "toolInput": ${toolInput}}`);
      expect(response.status).toBe(400);
      const detail = response.body.error.details.find((d: { path: string }) => d.path.startsWith(path));
      expect(detail, JSON.stringify(response.body)).toBeDefined();
      expect(detail.message).toMatch(limit);
    });

    it.each(['__proto__', 'constructor'])('a "%s" key anywhere in a step', async (key) => {
      for (const json of [
        `{"index": 0, "type": "tool_call", "toolName": "t", "toolInput": {"${key}": {"x": 1}}}`,
        `{"index": 0, "type": "tool_call", "toolName": "t", "toolInput": {"a": [{"${key}": 1}]}}`,
        `{"index": 0, "type": "user", "content": "hi", "${key}": {}}`,
        `{"steps": [{"index": 0, "type": "user", "content": "hi", "tokens": {"input": 1, "output": 1, "${key}": 1}}]}`,
      ]) {
        const response = await postRawStep(json);
        expect(response.status, json).toBe(400);
        expect(JSON.stringify(response.body.error), json).toContain(key);
      }
      expect((await api.getSession(sessionId)).body.stepCount).toBe(0);
    });
  });

  describe('step indexes are bounded (issue 8 item 3)', () => {
    it('refuses 2^53 - 1, whose next index could not be saved', async () => {
      const { body } = await api.createSession({ agentId: 'a', task: 't' });
      const response = await api.postSteps(body.sessionId, say(Number.MAX_SAFE_INTEGER, 'x'));
      expect(response.status).toBe(400);
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain('index');
    });

    it(`refuses an index ${MAX_STEPS_AHEAD_OF_DETECTION} or more past detection's progress, naming the limit, and follows that progress`, async () => {
      const { body } = await api.createSession({ agentId: 'a', task: 't' });
      const far = await api.postSteps(body.sessionId, { steps: [say(0, 'hi'), say(MAX_STEPS_AHEAD_OF_DETECTION, 'far')] });
      expect(far.status).toBe(400);
      expect(far.body.error.details).toEqual([{ path: 'steps[1].index', message: expect.stringContaining(`at most ${MAX_STEPS_AHEAD_OF_DETECTION} steps`) }]);
      expect((await api.postSteps(body.sessionId, say(Number.MAX_SAFE_INTEGER - 1, 'x'))).status).toBe(400);
      expect((await api.getSession(body.sessionId)).body.stepCount).toBe(0);

      expect((await api.postSteps(body.sessionId, { steps: [0, 1, 2, 3, 4].map((i) => say(i, `step ${i}`)) })).status).toBe(202);
      await eventually(async () => ((await api.getSession(body.sessionId)).body.processedThrough >= 4 ? true : undefined), 15_000, 'detection to reach step 4');
      expect((await api.postSteps(body.sessionId, say(5 + MAX_STEPS_AHEAD_OF_DETECTION - 1, 'just within'))).status).toBe(202);
      expect((await api.postSteps(body.sessionId, say(5 + MAX_STEPS_AHEAD_OF_DETECTION, 'one too far'))).status).toBe(400);
    });
  });

  it('keeps detecting after steps built to overflow the session item (issue 8 item 2)', async () => {
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    const create = (index: number) => ({
      index, type: 'tool_call', toolName: 'str_replace_editor', toolCallId: `c${index}`,
      toolInput: { command: 'create', path: `src/${index}/${'a'.repeat(120_000)}`, file_text: 'x' },
    });
    const created = (index: number) => ({ index, type: 'tool_result', toolCallId: `c${index - 1}`, content: 'File created successfully' });
    expect((await api.postSteps(body.sessionId, { steps: [create(0), created(1), create(2), created(3)] })).status).toBe(202);
    // Detection must get past them and save its state (it used to fail here for good) ...
    await eventually(async () => ((await api.getSession(body.sessionId)).body.processedThrough >= 3 ? true : undefined), 20_000, 'detection past the huge paths');
    // ... and still see what comes next.
    expect((await api.postSteps(body.sessionId, { steps: failingLoop(4, 4) })).status).toBe(202);
    const nudged = await eventually(async () => {
      const { interventions } = (await api.getInterventions(body.sessionId)).body;
      return interventions.length > 0 ? interventions : undefined;
    }, 20_000, 'the loop after the huge paths to be nudged');
    expect(nudged.map((i: { subtype: string }) => i.subtype)).toContain('repeated_failing_call');
  });

  describe('session fields are limited in bytes, as DynamoDB counts them', () => {
    it('a task of 32,768 emoji (65,536 UTF-16 units, 131,072 bytes)', async () => {
      const response = await api.createSession({ agentId: 'a', task: '😀'.repeat(32_768) });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toContainEqual({ path: 'task', message: expect.stringMatching(/65536 bytes/) });
    });

    it('100 constraints of 4,096 characters', async () => {
      const response = await api.createSession({ agentId: 'a', task: 't', constraints: Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(4096, 'c')) });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toContainEqual({ path: 'constraints', message: expect.stringMatching(/32768 bytes/) });
    });

    it('a policy of 200 globs of 1,024 characters in each list', async () => {
      const globs = Array.from({ length: 200 }, (_, i) => `src/${i}/`.padEnd(1024, 'p'));
      const response = await api.createSession({ agentId: 'a', task: 't', policy: { forbiddenPaths: globs, forbiddenCommands: globs } });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toContainEqual({ path: 'policy', message: expect.stringMatching(/32768 bytes/) });
    });

    it('accepts what is just within every limit, and stores it', async () => {
      const response = await api.createSession({
        agentId: 'a'.repeat(256), task: '😀'.repeat(16_384),
        constraints: Array.from({ length: 8 }, () => 'c'.repeat(4096)),
        policy: { forbiddenPaths: Array.from({ length: 16 }, () => 'p'.repeat(1024)), forbiddenCommands: Array.from({ length: 15 }, () => 'q'.repeat(1024)) },
      });
      expect(response.status).toBe(201);
      expect((await api.getSession(response.body.sessionId)).status).toBe(200);
    });
  });

  describe('Content-Type (README: 415, send application/json)', () => {
    it.each([
      ['no Content-Type', undefined],
      ['UTF-16 JSON', 'application/json; charset=utf-16'],
      ['another +json type', 'application/evil+json'],
      ['text/plain', 'text/plain'],
    ])('%s is 415', async (_label, contentType) => {
      const { status, text } = await raw('POST', `/v1/sessions/${sessionId}/steps`, '{"index": 0, "type": "user", "content": "x"}', contentType);
      expect(status).toBe(415);
      expect(JSON.parse(text).error.message).toContain('application/json');
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'])('%s is accepted', async (contentType) => {
      const { status } = await raw('POST', `/v1/sessions/${sessionId}/steps`, '{"index": 90, "type": "user", "content": "x"}', contentType);
      expect(status).toBe(202);
    });
  });

  describe('the local server routes on the raw path, as API Gateway does', () => {
    it.each([
      `//v1/sessions/SID`,
      `/v1//sessions/SID`,
      `/v1/sessions/../sessions/SID`,
      `/v1/sessions/./SID`,
      `/v1\\sessions\\SID`,
      `/v1/sessions/SID/steps/..`,
      `/x/../v1/sessions/SID`,
    ])('%s is not a route', async (path) => {
      const { status } = await raw('GET', path.replace('SID', sessionId));
      expect(status).toBe(404);
    });

    it('still answers the plain path, with or without a query string', async () => {
      expect((await raw('GET', `/v1/sessions/${sessionId}`)).status).toBe(200);
      expect((await raw('GET', `/v1/sessions/${sessionId}?x=1`)).status).toBe(200);
    });
  });

  it('answers a server fault with a 500 that does not promise a retry will work', async () => {
    const { httpErrorHandler } = await import('../../shared/middleware/httpErrorHandler.ts');
    const request = { error: new Error('ValidationException: Item size has exceeded the maximum allowed size'), response: undefined as unknown };
    await httpErrorHandler({ logger: { error: () => undefined } }).onError!(request as never);
    const answer = request.response as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body).error.message).not.toMatch(/lost|safe|retry it/i);
    expect(JSON.parse(answer.body).error.message).toMatch(/may fail again/);
  });

  /** A plain http.request: fetch would normalise the path and add a Content-Type of its own. */
  function raw(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; text: string }> {
    const url = new URL(stack.url);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${stack.apiKey}` };
      if (contentType !== undefined) headers['content-type'] = contentType;
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
  }
});
