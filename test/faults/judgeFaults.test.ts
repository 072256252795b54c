import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { httpError, invalidJson, refusal, slow, startOpenAIStub, structured, type OpenAIStub, type StubReply } from '../support/openaiStub.ts';
import { waitFor } from '../support/pipelineCensus.ts';
import { failingLoop } from '../support/steps.ts';

/**
 * The LLM judge failing in each way a hosted model does — too slow, invalid JSON, a refusal, HTTP
 * 500s — through the whole local pipeline (the model is the one thing stubbed, on loopback):
 * detection still records the deterministic verdict and its one intervention.
 */
describe('detection when the LLM judge fails', () => {
  let stack: LocalStack;
  let llm: OpenAIStub;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    llm = await startOpenAIStub();
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `judge-faults-${process.pid}`,
      logLevel: 'CRITICAL',
      // Every batch is reviewed; the judge gives up after 500 ms.
      env: { WINK_LLM_BASE_URL: llm.baseURL, WINK_LLM_MODEL: 'judge-model', WINK_LLM_API_KEY: 'sk-judge-test', WINK_LLM_TIMEOUT_MS: '500', WINK_LLM_REVIEW_EVERY_STEPS: '1' },
    });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    await stack?.stop();
    await llm?.close();
  });

  // Each failure is scripted twice (the judge's client retries once); what a case leaves is dropped.
  const failures: [string, StubReply][] = [
    ['times out', slow(2_000, structured({ findings: [], flagged: [] }))],
    ['answers invalid JSON', invalidJson()],
    ['refuses', refusal()],
    ['answers HTTP 500', httpError(500)],
  ];

  it.each(failures)('the judge %s: the deterministic intervention is still recorded, once', async (_name, reply) => {
    const before = llm.completions().length;
    llm.clear();
    llm.script(reply, reply);
    const { body: session } = await api.createSession({ agentId: 'faults', task: 'Fix the failing import in app.py' });
    expect((await api.postSteps(session.sessionId, { steps: failingLoop(3) })).status).toBe(202);

    const summary = await waitFor(async () => {
      const { body } = await api.getSession(session.sessionId);
      return body.processedThrough === 6 ? body : undefined;
    }, 'detection of the session');
    const { body } = await api.getInterventions(session.sessionId);
    expect(body.interventions).toEqual([expect.objectContaining({ category: 'tool_call_failure', subtype: 'repeated_failing_call' })]);
    // The judge was asked (the fault was met), and its failure left the deterministic verdict standing.
    expect(llm.completions().length).toBeGreaterThan(before);
    expect(summary.interventions).toHaveLength(1);
    expect(summary.verdicts).toEqual(expect.arrayContaining([expect.objectContaining({ subtype: 'repeated_failing_call' })]));
  });
});
