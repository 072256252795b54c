import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { hookSession } from '../support/claudeCodeHooks.ts';
import { failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * Shadow mode on the local stack, with the deployment default set to shadow (WINK_DEFAULT_MODE):
 * a shadow session's intervention is recorded, with its guidance, and reaches no channel — not the
 * webhook, the step reply, a poll or a hook answer. An active session in the same stack, given the
 * same steps, is the control that shows each channel would have carried it.
 */
describe('shadow mode (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `shadow-${process.pid}`,
      env: { WINK_DEFAULT_MODE: 'shadow' },
    });
    api = apiClient(stack.url, stack.apiKey);
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const create = async (extra: Record<string, unknown> = {}) =>
    (await api.createSession({ agentId: 'shadow-agent', task: 'Fix the failing import in app.py', webhook: { url: receiver.url }, ...extra })).body;
  const summaryWhen = (sessionId: string, status: string) =>
    eventually(async () => {
      const { body } = await api.getSession(sessionId);
      return body.interventions[0]?.delivery.status === status ? body : undefined;
    }, 15_000, `a ${status} intervention`);

  it('records the intervention of a shadow session and delivers it on no channel; an active one gets it on each', async () => {
    const shadow = await create();
    const active = await create({ mode: 'active' });
    expect(shadow).toMatchObject({ mode: 'shadow' });
    expect(active).toMatchObject({ mode: 'active' });
    const steps = failingLoop(4);

    const shadowReply = await api.request('POST', `/v1/sessions/${shadow.sessionId}/steps?wait=3000`, { steps });
    const activeReply = await api.request('POST', `/v1/sessions/${active.sessionId}/steps?wait=3000`, { steps });
    expect(shadowReply).toEqual({ status: 202, body: { accepted: steps.length, interventions: [] } });
    expect(activeReply.body.interventions).toHaveLength(1);

    // Recorded, with the guidance that would have been sent.
    const recorded = await summaryWhen(shadow.sessionId, 'suppressed');
    expect(recorded.interventions).toEqual([
      expect.objectContaining({
        subtype: 'repeated_failing_call', guidance: expect.stringContaining('python app.py'),
        delivery: { status: 'suppressed', attempts: 0 }, handedOut: { reply: null, webhook: null, poll: null },
      }),
    ]);
    expect(recorded.episodes.length).toBeGreaterThan(0);
    expect(recorded.verdicts.length).toBeGreaterThan(0);

    // The active session's webhook arrives; the shadow session's never does (it was never queued).
    await summaryWhen(active.sessionId, 'delivered');
    await eventually(() => receiver.received.find((r) => r.body.includes(active.sessionId)), 15_000, 'the active webhook');
    // Drain the notification queue: whatever was queued has now been handled.
    await stack.notifierPoller.stop();
    while ((await stack.notifierPoller.pollOnce(1)) > 0);
    expect(receiver.received.filter((r) => r.body.includes(shadow.sessionId))).toEqual([]);
    stack.notifierPoller.start();

    // Polls: empty (even long-polled), unless asked for suppressed ones; asking does not mark it polled.
    expect(await api.request('GET', `/v1/sessions/${shadow.sessionId}/interventions?wait=1`)).toEqual({ status: 200, body: { interventions: [] } });
    const inspected = await api.request('GET', `/v1/sessions/${shadow.sessionId}/interventions?include=suppressed`);
    expect(inspected.body.interventions).toEqual([expect.objectContaining({ interventionId: recorded.interventions[0].interventionId })]);
    expect((await api.getSession(shadow.sessionId)).body.interventions[0].handedOut).toEqual({ reply: null, webhook: null, poll: null });
    // Later step replies do not carry it either.
    expect((await api.postSteps(shadow.sessionId, { index: steps.length, type: 'assistant', content: 'Installing requests.' })).body.interventions).toEqual([]);
  });

  it('refuses an unknown include value, naming the parameter', async () => {
    const { sessionId } = await create();
    const refused = await api.request('GET', `/v1/sessions/${sessionId}/interventions?include=everything`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/include.*suppressed/);
  });

  it('answers Claude Code hooks of a shadow session with {} while recording the intervention', async () => {
    const cc = hookSession(randomUUID());
    const command = 'python app.py';
    const error = "ModuleNotFoundError: No module named 'requests'";
    const answers: unknown[] = [];
    const hook = async (payload: { hook_event_name: string }) => {
      const wait = ['PostToolUse', 'PostToolUseFailure', 'Stop'].includes(payload.hook_event_name) ? '?wait=3000' : '';
      const response = await api.request('POST', `/v1/integrations/claude-code/hooks${wait}`, payload);
      expect(response.status).toBe(200);
      answers.push(response.body);
    };
    await hook(cc.prompt('Fix the failing import in app.py'));
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const id = cc.nextToolUseId();
      await hook(cc.preBash(command, id));
      await hook(cc.failBash(command, id, 1, error));
    }
    await hook(cc.stop(undefined));
    expect(answers.every((answer) => JSON.stringify(answer) === '{}')).toBe(true);

    const sessionId = await linkedWinkSession(stack, cc.prompt('').session_id);
    const recorded = await summaryWhen(sessionId, 'suppressed');
    expect(recorded.interventions[0]).toMatchObject({ subtype: 'repeated_failing_call', handedOut: { reply: null, webhook: null, poll: null } });
  });
});

/** The Wink session a Claude Code session maps to, read from its link item (no API lists them). */
async function linkedWinkSession(stack: LocalStack, claudeSessionId: string): Promise<string> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient, ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const { Items = [] } = await client.send(new ScanCommand({
      TableName: stack.resources.tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'CLAUDECODE#' },
    }));
    const found = Items.filter((item) => String(item.pk).endsWith(`#${claudeSessionId}`));
    expect(found).toHaveLength(1);
    return found[0]!.sessionId as string;
  } finally {
    client.destroy();
  }
}
