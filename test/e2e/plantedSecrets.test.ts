import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { marker } from '../../shared/secrets/scrubber.ts';
import type { Step } from '../../shared/steps.ts';
import { decodeDetection } from '../../shared/store/detectionCodec.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { apiClient } from '../support/apiClient.ts';
import { hookSession } from '../support/claudeCodeHooks.ts';
import { startOpenAIStub, structured, type OpenAIStub } from '../support/openaiStub.ts';
import { PLANTED_SECRETS, type PlantedSecret } from '../support/plantedSecrets.ts';
import { call, result, say } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * Secrets planted in a trajectory, posted through the whole local pipeline (HTTP ingest and the
 * Claude Code hook route → fauxqs → detector with the LLM judge on → DynamoDB Local → notifier →
 * webhook receiver), then searched for everywhere they could have gone: every item of the table,
 * every log line the handlers wrote, every request the judge received, every webhook body.
 */
const CUSTOM: PlantedSecret = { kind: 'acme_token', secret: 'acme_0123456789abcdef0123456789ABCDEF', text: 'ACME_DEPLOY_KEY acme_0123456789abcdef0123456789ABCDEF loaded' };
const IN_TASK: PlantedSecret = { kind: 'github_token', secret: 'ghp_TaskTok3nInTheBrief0123456789abcdef', text: 'Push with ghp_TaskTok3nInTheBrief0123456789abcdef when done' };
const IN_HOOK: PlantedSecret = { kind: 'stripe_key', secret: 'sk_live_HookOutput0123456789abcdEF', text: 'STRIPE_KEY=sk_live_HookOutput0123456789abcdEF' };
const IN_PROMPT: PlantedSecret = { kind: 'slack_token', secret: 'xoxp-2222222222-3333333333-PromptSecretAbc', text: 'Use xoxp-2222222222-3333333333-PromptSecretAbc to post' };
/** What a careless model might echo back: the judge's guidance is redacted on its way out too. */
const ECHOED_BY_JUDGE = 'sk-ant-api03-JudgeEcho0123456789abcdefghijKLMNOP';
const LOOP_TOKEN = 'Zq9Xw8Vu7Ts6Rr5Qp4On3Ml2Kk1Jj0Ii';
const LOOP_KEY = 'sk-proj-LoopKey0123456789abcdefghijklmnop';

const ALL_SECRETS = [...PLANTED_SECRETS, CUSTOM, IN_TASK, IN_HOOK, IN_PROMPT].map((planted) => planted.secret).concat(ECHOED_BY_JUDGE, LOOP_TOKEN, LOOP_KEY);

describe('planted secrets never leave the scrubber', () => {
  let stack: LocalStack;
  let llm: OpenAIStub;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let api: ReturnType<typeof apiClient>;
  const logs: string[] = [];
  const restoreStreams: Array<() => void> = [];

  beforeAll(async () => {
    // Every byte the handlers log (Powertools writes to these streams) is kept to be searched.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array) => { logs.push(String(chunk)); return true; }) as typeof stream.write;
      restoreStreams.push(() => { stream.write = write; });
    }
    llm = await startOpenAIStub();
    receiver = await startWebhookReceiver();
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `secrets-${process.pid}`,
      logLevel: 'DEBUG',
      env: {
        WINK_LLM_BASE_URL: llm.baseURL, WINK_LLM_MODEL: 'judge-model', WINK_LLM_API_KEY: 'judge-test-key',
        WINK_LLM_REVIEW_EVERY_STEPS: '8', WINK_LLM_MIN_STEPS_BETWEEN_REVIEWS: '0',
        WINK_SECRET_PATTERNS: JSON.stringify([{ kind: CUSTOM.kind, pattern: 'acme_[A-Za-z0-9]{32}' }]),
      },
    });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await llm?.close();
    for (const restore of restoreStreams) restore();
  });

  it('finds none in DynamoDB, logs, judge requests or webhooks, and each as its marker where it was stored', async () => {
    // Arrange: a trajectory carrying every planted secret, in commands and in outputs.
    const planted = [...PLANTED_SECRETS, CUSTOM];
    const steps: Step[] = [say(0, `Deploy the service. ${IN_TASK.text}`, 'user')];
    const storedAt = new Map<PlantedSecret, number>();
    planted.forEach((secret, i) => {
      const index = steps.length;
      if (i % 2 === 0) {
        steps.push(call(index, secret.text), result(index + 1, 'done'));
        storedAt.set(secret, index);
      } else {
        steps.push(call(index, `cat notes/${i}.txt`), result(index + 1, secret.text));
        storedAt.set(secret, index + 1);
      }
    });
    // The same failing call four times: a deterministic nudge whose guidance quotes the command.
    const loopCommand = `curl -sS -H "Authorization: Bearer ${LOOP_TOKEN}" https://api.example.com/v2/deploy`;
    for (let i = 0; i < 4; i += 1) {
      const index = steps.length;
      steps.push(call(index, loopCommand), result(index + 1, `HTTP 401: key ${LOOP_KEY} is not allowed to deploy`, 22));
    }
    llm.script(structured({
      findings: [{ subtype: 'scope_creep', evidenceStepIndexes: [steps.length - 2], confidence: 0.9, guidance: `Stop retrying; the key ${ECHOED_BY_JUDGE} cannot deploy.` }],
      flagged: [],
    }));

    // Act: through the HTTP API …
    const created = await api.createSession({ agentId: 'secrets-e2e', task: `Deploy the service. ${IN_TASK.text}`, constraints: [`Never print ${IN_TASK.secret}`], webhook: { url: receiver.url } });
    expect(created.status).toBe(201);
    const { sessionId } = created.body;
    for (let from = 0; from < steps.length; from += 20) {
      expect((await api.postSteps(sessionId, { steps: steps.slice(from, from + 20) })).status).toBe(202);
    }
    // … and through the Claude Code hook route.
    const claude = hookSession('claude-secrets-e2e');
    const hookPost = (payload: unknown) => api.request('POST', '/v1/integrations/claude-code/hooks', payload);
    expect((await hookPost(claude.prompt(IN_PROMPT.text))).status).toBe(200);
    expect((await hookPost(claude.postBash('cat .env', 'toolu_01secrets000001', IN_HOOK.text))).status).toBe(200);

    const lastIndex = steps.length - 1;
    await eventually(async () => ((await api.getSession(sessionId)).body.processedThrough >= lastIndex ? true : undefined), 20_000, 'detection of every step');
    const delivered = await eventually(() => (receiver.received.length > 0 ? receiver.received : undefined), 20_000, 'a webhook');

    // Assert: every item in the table …
    const document = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamoEndpoint }));
    const items: unknown[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await document.send(new ScanCommand({ TableName: stack.resources.tableName, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    // The detection state is stored deflated: searched as what it decodes to, or it would hide anything.
    const readable = (item: unknown) => {
      const { detection, ...rest } = item as { detection?: unknown };
      return JSON.stringify(detection === undefined ? rest : { ...rest, detection: decodeDetection(detection) });
    };
    const table = items.map(readable).join('\n');
    // … the logs, the judge's requests and the webhooks.
    const logText = logs.join('');
    const judgeRequests = llm.requests.map((request) => JSON.stringify(request.body)).join('\n');
    const webhooks = delivered.map((webhook) => webhook.body).join('\n');

    for (const secret of ALL_SECRETS) {
      expect(table, 'DynamoDB').not.toContain(secret);
      expect(logText, 'logs').not.toContain(secret);
      expect(judgeRequests, 'judge requests').not.toContain(secret);
      expect(webhooks, 'webhooks').not.toContain(secret);
    }
    // The searches searched something: steps stored, lines logged, the judge asked, a nudge sent.
    expect(items.length).toBeGreaterThan(steps.length);
    expect(logText).toContain('"level":"DEBUG"');
    expect(llm.completions().length).toBeGreaterThan(0);
    expect(judgeRequests).toContain('[REDACTED:');
    expect(webhooks).toContain(marker('bearer_token'));

    // Each planted secret is stored as its kind's marker, in the step it was posted in.
    const stored = await new WinkStore(createDocumentClient(), stack.resources.tableName).getSteps(sessionId, [...storedAt.values()]);
    const found = [...storedAt].filter(([secret, index]) => JSON.stringify(stored.get(index)?.step).includes(marker(secret.kind)));
    expect(found.map(([secret]) => secret.kind)).toEqual(planted.map((secret) => secret.kind));
    expect(table).toContain(`Deploy the service. Push with ${marker(IN_TASK.kind)}`);
    expect(table).toContain(marker(IN_HOOK.kind));
    expect(table).toContain(marker(IN_PROMPT.kind));
    console.info(`secrets planted: ${ALL_SECRETS.length}; found as their marker where stored: ${found.length + 3} of ${planted.length + 3}; leaked: 0`);
  });
});
