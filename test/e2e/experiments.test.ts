import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import type { Step } from '../../shared/steps.ts';
import { call, cleanRun, failingLoop, result } from '../support/steps.ts';

/** Experiments on the local stack: sessions in arms, ended with an outcome. */
describe('experiments (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `experiments-${process.pid}`,
    });
    api = apiClient(stack.url, stack.apiKey);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const end = (sessionId: string, body: unknown) => api.request('POST', `/v1/sessions/${sessionId}/end`, body);

  describe('POST /v1/sessions/{id}/end', () => {
    it('records the outcome once, answers a repeat with the same end, and refuses steps afterwards with 409', async () => {
      const { body: created } = await api.createSession({ agentId: 'a', task: 'Fix it', experiment: { name: 'end-test', arm: 'treatment' } });
      expect(created).toMatchObject({ mode: 'active', experiment: { name: 'end-test', arm: 'treatment' } });
      expect((await api.postSteps(created.sessionId, { steps: failingLoop(1) })).status).toBe(202);

      const first = await end(created.sessionId, { outcome: 'success', engineerInterventions: 2 });
      expect(first).toEqual({ status: 200, body: { sessionId: created.sessionId, end: { outcome: 'success', engineerInterventions: 2, endedAt: expect.any(String) } } });
      expect(await end(created.sessionId, { outcome: 'success', engineerInterventions: 2 })).toEqual(first);

      const changed = await end(created.sessionId, { outcome: 'failure' });
      expect(changed.status).toBe(409);
      expect(changed.body.error).toMatchObject({ code: 'session_ended', message: expect.stringContaining('success') });

      const late = await api.postSteps(created.sessionId, { index: 3, type: 'assistant', content: 'one more thing' });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({ code: 'session_ended' });
    });

    it('refuses a bad outcome or count naming the field, and an unknown session with 404', async () => {
      const { body: created } = await api.createSession({ agentId: 'a', task: 't' });
      const bad = await end(created.sessionId, { outcome: 'great' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('outcome');
      const negative = await end(created.sessionId, { outcome: 'success', engineerInterventions: -1 });
      expect(negative.status).toBe(400);
      expect(negative.body.error.details[0].path).toBe('engineerInterventions');
      expect((await end('ses_missing', { outcome: 'success' })).status).toBe(404);
    });
  });

  describe('GET /v1/experiments/{name}', () => {
    /** The agent loops on a failing command, then either moves on (resolves) or keeps failing (persists). */
    const trajectory = (resolves: boolean): Step[] => {
      const loop = failingLoop(4);
      const after = resolves ? cleanRun(loop.length) : Array.from({ length: 6 }, (_, i) => i % 2 === 0
        ? call(loop.length + i, 'python app.py') : result(loop.length + i, "ModuleNotFoundError: No module named 'requests'", 1));
      return [...loop, ...after].map((step) => (step.type === 'tool_call' ? { ...step, tokens: { input: 100, output: 10 } } : step));
    };
    const run = async (arm: 'treatment' | 'control', resolves: boolean, outcome: string | undefined) => {
      const { body } = await api.createSession({ agentId: 'ab-agent', task: 'Fix the failing import in app.py', experiment: { name: 'report-test', arm } });
      const steps = trajectory(resolves);
      expect((await api.request('POST', `/v1/sessions/${body.sessionId}/steps?wait=3000`, { steps })).status).toBe(202);
      if (outcome) expect((await end(body.sessionId, { outcome })).status).toBe(200);
      return { sessionId: body.sessionId as string, steps };
    };

    it('reports two arms of replayed trajectories per arm and per metric, with intervals and the resolution uplift', async () => {
      const treated = [await run('treatment', true, 'success'), await run('treatment', true, 'success'), await run('treatment', false, 'failure')];
      const controlled = [await run('control', true, 'success'), await run('control', false, 'failure'), await run('control', false, 'abandoned')];
      await run('control', true, undefined); // still open: counted, not compared

      const { status, body: report } = await api.request('GET', '/v1/experiments/report-test');
      expect(status).toBe(200);
      expect(report.experiment).toBe('report-test');
      expect(report.sessions).toHaveLength(7);
      const toolCallsOf = (steps: Step[]) => steps.filter((s) => s.type === 'tool_call').length;
      expect(report.arms.treatment).toMatchObject({
        sessions: 3, openSessions: 0, outcomes: { success: 2, failure: 1 }, successRate: 2 / 3,
        toolCalls: treated.reduce((sum, r) => sum + toolCallsOf(r.steps), 0),
      });
      expect(report.arms.control).toMatchObject({ sessions: 4, openSessions: 1, outcomes: { success: 1, failure: 1, abandoned: 1 }, successRate: 1 / 3 });
      expect(report.arms.treatment.means.tokensPerSession).toBeCloseTo(treated.reduce((sum, r) => sum + 110 * toolCallsOf(r.steps), 0) / 3, 9);
      expect(report.arms.control.means.stepsPerSession).toBeCloseTo(controlled.reduce((sum, r) => sum + r.steps.length, 0) / 3, 9);
      for (const metric of ['successRate', 'toolCallFailureRate', 'failedToolCallsPerSession', 'tokensPerSession', 'stepsPerSession', 'engineerInterventionsPerSession', 'episodesPerSession']) {
        expect(report.comparisons[metric], metric).toEqual(expect.objectContaining({ test: expect.any(String) }));
      }
      expect(report.comparisons.tokensPerSession).toEqual({
        test: 'welch_t', treatment: expect.any(Number), control: expect.any(Number), difference: expect.any(Number), relativeDifference: expect.any(Number),
        confidenceInterval: [expect.any(Number), expect.any(Number)], pValue: expect.any(Number), minimumDetectableEffect: expect.any(Number),
      });
      // Every session looped on the failing call: one episode each, in both arms; control's were shadowed.
      expect(report.arms.treatment.resolution.repeated_failing_call).toMatchObject({ episodes: 3 });
      expect(report.arms.control.resolution.repeated_failing_call).toMatchObject({ episodes: 3 });
      expect(report.resolutionUplift.repeated_failing_call).toMatchObject({ test: 'two_proportion_z' });
      const controlSummary = (await api.getSession(controlled[0]!.sessionId)).body;
      expect(controlSummary.interventions[0].delivery.status).toBe('suppressed');
    });

    it('answers 404 for an experiment with no sessions and 400 for a malformed name', async () => {
      expect((await api.request('GET', '/v1/experiments/never-run')).status).toBe(404);
      expect((await api.request('GET', '/v1/experiments/bad%20name')).status).toBe(400);
    });
  });
});
