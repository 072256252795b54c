import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/apiError.ts';
import { createSession } from '../../shared/pipeline/createSession.ts';
import { ingestSteps } from '../../shared/pipeline/ingestSteps.ts';
import { MAX_STEP_BYTES, SESSION_LIMITS, type Step } from '../../shared/steps.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { freshStore } from '../support/localAws.ts';
import { call, result } from '../support/steps.ts';

/** Ingest against DynamoDB Local: what is stored is the scrubbed step, and scrubbing keeps ingest's promises. */
describe('ingest scrubs before it stores', () => {
  let store: WinkStore;
  const now = Date.parse('2026-12-01T00:00:00Z');
  const queued: unknown[] = [];
  const deps = () => ({ store, stepsQueue: { send: async (message: unknown) => { queued.push(message); } }, now: () => now });

  beforeAll(async () => {
    ({ store } = await freshStore());
  });

  const newSession = async (task = 'Fix the build') => {
    const { sessionId } = await createSession(deps(), 'owner', { agentId: 'a', task, constraints: ['Never print 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'] });
    return (await store.getSession(sessionId))!;
  };

  it('stores the task, constraints and steps with markers, and a retried step is still the same step', async () => {
    const session = await newSession('Deploy with AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(session.task).toBe('Deploy with AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret_key]');
    expect(session.constraints).toEqual(['Never print [REDACTED:github_token]']);

    const steps: Step[] = [call(0, 'export OPENAI_API_KEY=sk-proj-Ab3dEf0123456789GhIjKlMnOpQrStUvWxYz9876'), result(1, 'ok')];
    await ingestSteps(deps(), session, { steps });
    const stored = await store.getSteps(session.sessionId, [0, 1]);
    expect(stored.get(0)!.step.toolInput).toEqual({ command: 'export OPENAI_API_KEY=[REDACTED:openai_key]' });
    expect(stored.get(1)!.step).toEqual(steps[1]);

    // The client's retry of the same raw step: accepted, nothing new stored, no 409.
    await expect(ingestSteps(deps(), session, steps[0])).resolves.toEqual({ accepted: 1, lastIndex: 0 });
    expect(await store.countSteps(session.sessionId)).toBe(2);
  });

  it('answers 413 naming the step when markers push it past the step limit, and stores nothing', async () => {
    const session = await newSession();
    // Short secrets under long markers: just under the limit as sent, far over it once scrubbed.
    const pairs = Math.floor((MAX_STEP_BYTES - 200) / 'password=a '.length);
    const content = 'password=a '.repeat(pairs);
    const refused = ingestSteps(deps(), session, { steps: [result(0, content)] });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({
      statusCode: 413,
      message: expect.stringMatching(new RegExp(`^Step 0 is \\d+ bytes once its ${pairs} secrets are redacted; a step may be at most 262144 bytes`)),
      details: [{ path: 'steps[0]', message: expect.stringContaining('262144 bytes') }],
    });
    expect((await store.getSteps(session.sessionId, [0])).size).toBe(0);
  });
});

describe('session creation scrubs before it stores', () => {
  it('answers 400 naming the task when markers push it past its limit', async () => {
    const { store } = await freshStore();
    const task = 'password=a '.repeat(Math.floor(SESSION_LIMITS.taskBytes / 'password=a '.length));
    const refused = createSession({ store, now: () => Date.now() }, 'owner', { agentId: 'a', task });
    await expect(refused).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: 'task', message: expect.stringMatching(/^must be at most 65536 bytes of UTF-8 once its secrets are redacted \(this is \d+\)$/) }],
    });
  });
});
