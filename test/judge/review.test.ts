import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_GUIDANCE_CHARS } from '../../shared/detection/guidance.ts';
import { createJudge, type Judge } from '../../shared/judge/judge.ts';
import { SYSTEM_PROMPT, SYSTEM_PROMPT_JSON_MODE } from '../../shared/judge/prompt.ts';
import { JudgeAnswerSchema, RESPONSE_FORMAT_NAME } from '../../shared/judge/schema.ts';
import { initialJudgeState, type JudgeState } from '../../shared/judge/state.ts';
import type { JudgeTrigger } from '../../shared/judge/triggers.ts';
import {
  httpError,
  invalidJson,
  jsonMode,
  refusal,
  slow,
  startOpenAIStub,
  structured,
  type OpenAIStub,
} from '../support/openaiStub.ts';
import { claimAfterFailure, emptyAnswer, judgeConfig, SESSION } from './fixtures.ts';

let stub: OpenAIStub;
beforeEach(async () => {
  stub = await startOpenAIStub();
});
afterEach(async () => {
  await stub.close();
});

const trigger = (over: Partial<JudgeTrigger> = {}): JudgeTrigger => ({ reasons: ['completion_claim'], stepIndex: 7, flagged: [], ...over });
const review = (judge: Judge, state: JudgeState = initialJudgeState(), t: JudgeTrigger = trigger()) =>
  judge.review({ session: SESSION, state, trigger: t, steps: claimAfterFailure() });

const contradiction = {
  findings: [
    {
      subtype: 'claim_contradicts_evidence',
      evidenceStepIndexes: [6, 7],
      confidence: 0.92,
      guidance: 'At step 7 you said all tests pass, but pytest at step 6 failed test_last_page (assert 3 == 4). Fix it and rerun pytest before claiming success.',
    },
  ],
  flagged: [],
};

describe('judge request shape', () => {
  it('sends the model, a constant system prompt, the fenced steps and a json_schema response format from the zod schema', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(structured(emptyAnswer));

    await review(judge);

    const [request] = stub.completions();
    expect(stub.completions()).toHaveLength(1);
    expect(request?.headers.authorization).toBe('Bearer test-key');
    expect(request?.body.model).toBe('judge-test-model');
    expect(request?.body.messages).toHaveLength(2);
    expect(request?.body.messages[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
    expect(request?.body.messages[1].role).toBe('user');
    expect(request?.body.messages[1].content).toContain('pytest -q');
    expect(request?.body.max_completion_tokens).toBe(800);
    const format = request?.body.response_format;
    expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: RESPONSE_FORMAT_NAME, strict: true } });
    expect(format.json_schema.schema.required).toEqual(['findings', 'flagged']);
    expect(format.json_schema.schema.properties.findings.items.properties.subtype.enum).toContain('scope_creep');
    expect(format.json_schema.schema.properties.findings.items.required).toEqual(['subtype', 'evidenceStepIndexes', 'confidence', 'guidance']);
  });
});

describe('judge answers', () => {
  it('turns a valid finding into a Match with judge guidance and records tokens and the call', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(structured(contradiction));

    const result = await review(judge);

    expect(result.outcome).toBe('ok');
    expect(result.matches).toEqual([
      {
        subtype: 'claim_contradicts_evidence',
        evidence: [6, 7],
        facts: expect.objectContaining({ source: 'llm_judge', confidence: 0.92 }),
      },
    ]);
    expect(result.guidanceBySubtype.claim_contradicts_evidence).toMatch(/^\[Wink\] At step 7 you said all tests pass/);
    expect(result.tokensUsed).toBe(1000);
    expect(result.state).toEqual({ tokensUsed: 1000, calls: 1, lastReviewedStep: 7 });
  });

  it('writes its own guidance for a finding the judge left without any, naming the steps', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(structured({ findings: [{ ...contradiction.findings[0], guidance: '  ' }], flagged: [] }));

    const result = await review(judge);

    const guidance = result.guidanceBySubtype.claim_contradicts_evidence ?? '';
    expect(guidance).toMatch(/^\[Wink\] At steps 6, 7 you claimed something the tool output contradicts\./);
    expect(guidance).not.toMatch(/``|""/);
    expect(result.matches[0]?.facts.guidance).toBe(guidance);
  });

  it('drops findings below the confidence floor, outside the judge subtypes, or pointing at steps it was not shown', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(
      structured({
        findings: [
          { subtype: 'scope_creep', evidenceStepIndexes: [3], confidence: 0.4, guidance: 'low confidence' },
          { subtype: 'action_loop', evidenceStepIndexes: [5, 6], confidence: 0.99, guidance: 'rules own loops' },
          { subtype: 'error_ignored', evidenceStepIndexes: [99, 1234], confidence: 0.95, guidance: 'made-up steps' },
        ],
        flagged: [],
      }),
    );

    const result = await review(judge);

    expect(result.outcome).toBe('ok');
    expect(result.matches).toEqual([]);
    expect(result.guidanceBySubtype).toEqual({});
  });

  it('maps confirmations and rejections of flagged matches back to the caller keys', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    const flagged = [
      { key: 'ep_premature', match: { subtype: 'premature_completion' as const, evidence: [6, 7], facts: {} } },
      { key: 'ep_loop', match: { subtype: 'action_loop' as const, evidence: [1, 2, 5, 6], facts: {} } },
      { key: 'ep_unsure', match: { subtype: 'no_progress' as const, evidence: [1, 2], facts: {} } },
    ];
    stub.script(
      structured({
        findings: [],
        flagged: [
          { id: 'F1', verdict: 'confirmed', confidence: 0.9, guidance: 'Step 6 failed; rerun pytest after fixing before claiming done.' },
          { id: 'F2', verdict: 'rejected', confidence: 0.85, guidance: '' },
          { id: 'F3', verdict: 'rejected', confidence: 0.3, guidance: '' },
          { id: 'F9', verdict: 'rejected', confidence: 1, guidance: '' },
        ],
      }),
    );

    const result = await review(judge, initialJudgeState(), trigger({ reasons: ['flagged'], flagged }));

    expect(result.confirmed).toEqual(['ep_premature']);
    expect(result.rejected).toEqual(['ep_loop']);
    expect(result.guidanceBySubtype.premature_completion).toContain('rerun pytest');
    const sent = stub.completions()[0]?.body.messages[1].content as string;
    expect(sent).toContain('- F1: premature_completion at steps 6, 7');
    expect(sent).toContain('- F2: action_loop at steps 1, 2, 5, 6');
  });

  it('returns invalid, with no matches, for an answer that breaks the schema', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(structured({ findings: [{ subtype: 'not_a_subtype', evidenceStepIndexes: [1], confidence: 2, guidance: 'x' }], flagged: [] }));

    const result = await review(judge);

    expect(result).toMatchObject({ outcome: 'invalid', matches: [], confirmed: [], rejected: [] });
    expect(result.detail).toMatch(/schema/);
    expect(result.state.calls).toBe(1);
  });

  it('returns invalid for text that is not JSON, and for an empty answer', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(invalidJson(), { kind: 'content', content: '', finishReason: 'length' });

    const first = await review(judge);
    const second = await review(judge, first.state);

    expect(first).toMatchObject({ outcome: 'invalid', matches: [], detail: 'answer is not JSON' });
    expect(second).toMatchObject({ outcome: 'invalid', matches: [] });
    expect(second.state.calls).toBe(2);
  });

  it('returns refused when the model refuses', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(refusal());

    const result = await review(judge);

    expect(result).toMatchObject({ outcome: 'refused', matches: [], tokensUsed: 1000 });
  });

  it('returns error on HTTP failures without throwing, after at most one SDK retry', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(httpError(500), httpError(500));

    const result = await review(judge);

    expect(result).toMatchObject({ outcome: 'error', matches: [], tokensUsed: 0, detail: 'HTTP 500 from the LLM server' });
    expect(stub.completions()).toHaveLength(2);
    expect(result.state.calls).toBe(1);
  });

  it('estimates tokens when the server reports no usage, so the budget still moves', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(structured(emptyAnswer, null));

    const result = await review(judge);

    const sent = stub.completions()[0]?.body.messages as Array<{ content: string }>;
    const promptChars = sent.reduce((sum, m) => sum + m.content.length, 0);
    expect(result.outcome).toBe('ok');
    expect(result.tokensUsed).toBeGreaterThanOrEqual(Math.ceil(promptChars / 4));
  });
});

describe('JSON-mode fallback', () => {
  it('retries in JSON mode when the server rejects json_schema, and stays in JSON mode for that judge', async () => {
    await stub.close();
    stub = await startOpenAIStub({ rejectJsonSchema: true });
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(jsonMode(contradiction), jsonMode(emptyAnswer));

    const first = await review(judge);
    const second = await review(judge, first.state);

    const formats = stub.completions().map((r) => r.body.response_format.type);
    expect(formats).toEqual(['json_schema', 'json_object', 'json_object']);
    expect(first).toMatchObject({ outcome: 'ok', requests: 2, mode: 'json_object' });
    expect(first.matches.map((m) => m.subtype)).toEqual(['claim_contradicts_evidence']);
    expect(second).toMatchObject({ outcome: 'ok', requests: 1 });
    expect(second.state.calls).toBe(2);
    expect(judge.responseMode()).toBe('json_object');
    // JSON mode carries the schema in the system prompt instead.
    expect(stub.completions()[1]?.body.messages[0].content).toBe(SYSTEM_PROMPT_JSON_MODE);
    expect(SYSTEM_PROMPT_JSON_MODE).toContain('"evidenceStepIndexes"');
  });

  it('does not switch modes when the JSON-mode retry fails too (the 400 was about something else)', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL));
    stub.script(httpError(400, 'context length exceeded'), httpError(400, 'context length exceeded'));

    const result = await review(judge);

    expect(result).toMatchObject({ outcome: 'error', requests: 2, matches: [] });
    expect(judge.responseMode()).toBe('json_schema');
  });
});

describe('budget and call cap', () => {
  it('sends no request once the call cap is spent', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL, { WINK_LLM_MAX_CALLS_PER_SESSION: '2' }));
    let state = initialJudgeState();
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const result = await review(judge, state, trigger({ stepIndex: 7 + i }));
      outcomes.push(result.outcome);
      state = result.state;
    }

    expect(outcomes).toEqual(['ok', 'ok', 'skipped', 'skipped']);
    expect(stub.completions()).toHaveLength(2);
    expect(state.calls).toBe(2);
    expect(judge.shouldReview(state, { newSteps: claimAfterFailure().map((s) => ({ ...s, index: s.index + 100 })) })).toBeNull();
  });

  it('sends no request once the token budget is spent', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL, { WINK_LLM_SESSION_TOKEN_BUDGET: '5000' }));
    const usage = { prompt_tokens: 2500, completion_tokens: 100, total_tokens: 2600 };
    stub.script(structured(emptyAnswer, usage), structured(emptyAnswer, usage));

    const first = await review(judge);
    const second = await review(judge, first.state);
    const third = await review(judge, second.state);

    expect([first.outcome, second.outcome, third.outcome]).toEqual(['ok', 'ok', 'skipped']);
    expect(third).toMatchObject({ detail: 'session judge budget spent', requests: 0, tokensUsed: 0 });
    expect(third.state).toEqual(second.state);
    expect(second.state.tokensUsed).toBe(5200);
    expect(stub.completions()).toHaveLength(2);
  });

  it('shrinks the window to the remaining budget, and skips when too little is left to judge anything', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL, { WINK_LLM_SESSION_TOKEN_BUDGET: '20000' }));
    const longSteps = claimAfterFailure().map((s) => ({ ...s, content: `${s.content ?? ''}\n${'log line\n'.repeat(200)}` }));

    const roomy = await judge.review({ session: SESSION, state: initialJudgeState(), trigger: trigger(), steps: longSteps });
    const tight = await judge.review({ session: SESSION, state: { tokensUsed: 17_600, calls: 1, lastReviewedStep: 0 }, trigger: trigger(), steps: longSteps });
    const starved = await judge.review({ session: SESSION, state: { tokensUsed: 19_000, calls: 1, lastReviewedStep: 0 }, trigger: trigger(), steps: longSteps });

    const [roomyRequest, tightRequest] = stub.completions();
    const stepCount = (content: string) => (content.match(/^\{"i":/gm) ?? []).length;
    expect([roomy.outcome, tight.outcome, starved.outcome]).toEqual(['ok', 'ok', 'skipped']);
    expect(stepCount(tightRequest?.body.messages[1].content)).toBeLessThan(stepCount(roomyRequest?.body.messages[1].content));
    expect(stepCount(tightRequest?.body.messages[1].content)).toBeGreaterThan(0);
    expect(stub.completions()).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('gives up at the configured deadline with outcome timeout, no matches, and the prompt counted against the budget', async () => {
    const judge = createJudge(judgeConfig(stub.baseURL, { WINK_LLM_TIMEOUT_MS: '300' }));
    stub.script(slow(10_000, structured(contradiction)), slow(10_000, structured(contradiction)));

    const result = await review(judge);

    expect(result).toMatchObject({ outcome: 'timeout', matches: [], confirmed: [], rejected: [] });
    expect(result.tokensUsed).toBeGreaterThan(0);
    expect(result.state).toMatchObject({ calls: 1, lastReviewedStep: 7 });
  });
});
