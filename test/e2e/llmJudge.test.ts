import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { startOpenAIStub, structured, type OpenAIStub } from '../support/openaiStub.ts';
import { call, cleanRun, result } from '../support/steps.ts';
import { eventually } from '../support/webhookReceiver.ts';

/**
 * The detector with the LLM judge configured, through the whole local pipeline; the hosted model
 * is the one thing stubbed (an OpenAI-compatible server on loopback).
 */
describe('pipeline with the LLM judge', () => {
  let stack: LocalStack;
  let llm: OpenAIStub;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    llm = await startOpenAIStub();
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `judge-${process.pid}`,
      env: { WINK_LLM_BASE_URL: llm.baseURL, WINK_LLM_MODEL: 'judge-model', WINK_LLM_API_KEY: 'sk-judge-test' },
    });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    await stack?.stop();
    await llm?.close();
  });

  it('sends the task and fenced steps to the judge, acts on its finding once, and records the tokens', async () => {
    llm.script(structured({
      findings: [{ subtype: 'scope_creep', evidenceStepIndexes: [9], confidence: 0.9, guidance: 'You rewrote README.md, which the task did not ask for. Revert it and finish the fix.' }],
      flagged: [],
    }));
    const { body } = await api.createSession({ agentId: 'a', task: 'Fix the off-by-one in range_sum()' });
    const steps = [...cleanRun(), call(9, 'echo "# New project intro" > README.md'), result(10, '')];
    await api.postSteps(body.sessionId, { steps });

    const interventions = await eventually(async () => {
      const list = (await api.getInterventions(body.sessionId)).body.interventions;
      return list.length > 0 ? list : undefined;
    }, 15_000, 'the judge-backed intervention');
    expect(interventions).toEqual([expect.objectContaining({ subtype: 'scope_creep', category: 'specification_drift', guidance: expect.stringContaining('README.md') })]);

    const [request] = llm.completions();
    expect(request!.headers.authorization).toBe('Bearer sk-judge-test');
    expect(request!.body.model).toBe('judge-model');
    const userMessage = request!.body.messages.find((m: { role: string }) => m.role === 'user').content as string;
    expect(userMessage).toContain('Fix the off-by-one in range_sum()');
    expect(userMessage).toContain('README.md');
    const summary = (await api.getSession(body.sessionId)).body;
    expect(summary.llmTokens).toBe(1000);
  });
});
