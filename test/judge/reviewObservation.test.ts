import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../../shared/detection/engine.ts';
import type { Detector } from '../../shared/detection/types.ts';
import { createJudge, type Judge } from '../../shared/judge/judge.ts';
import { parseJudgeState, reviewObservation } from '../../shared/judge/reviewObservation.ts';
import { initialJudgeState } from '../../shared/judge/state.ts';
import type { Step } from '../../shared/steps.ts';
import { httpError, startOpenAIStub, structured, type OpenAIStub } from '../support/openaiStub.ts';
import { claimAfterFailure, emptyAnswer, judgeConfig, SESSION } from './fixtures.ts';

let stub: OpenAIStub;
let judge: Judge;
beforeEach(async () => {
  stub = await startOpenAIStub();
  judge = createJudge(judgeConfig(stub.baseURL));
});
afterEach(async () => {
  await stub.close();
});

/** A stand-in heuristic rule: flags premature completion at the "all tests pass" message. */
const flagsClaim: Detector = ({ memory }) => {
  const last = memory.recent.at(-1);
  return last?.index === 7 ? { subtype: 'premature_completion', evidence: [6, 7], facts: { summary: 'a premature claim' } } : null;
};

function observeBatch(steps: Step[], detectors: Detector[] = [flagsClaim]) {
  return observeSteps(SESSION, initialDetectionState(), steps, { thresholds: DEFAULT_THRESHOLDS, detectors });
}

async function judged(batch: Step[], all: Step[] = claimAfterFailure(), detectors?: Detector[]) {
  const loads: Array<[number, number]> = [];
  const result = await reviewObservation({
    judge,
    session: SESSION,
    state: initialJudgeState(),
    observation: observeBatch(batch, detectors),
    steps: batch,
    loadEarlierSteps: async (from, limit) => {
      loads.push([from, limit]);
      return all.filter((s) => s.index >= from).slice(0, limit);
    },
    thresholds: DEFAULT_THRESHOLDS,
  });
  return { result, loads };
}

describe('reviewObservation', () => {
  it('withholds a flagged intervention the judge rejects, keeping its episode open so it is not nudged later', async () => {
    stub.script(structured({ findings: [], flagged: [{ id: 'F1', verdict: 'rejected', confidence: 0.9, guidance: '' }] }));

    const { result } = await judged(claimAfterFailure());

    expect(result.review?.outcome).toBe('ok');
    expect(result.observation.interventions).toEqual([]);
    expect(result.withheld.map((d) => d.subtype)).toEqual(['premature_completion']);
    expect(result.observation.state.openEpisodes.map((e) => e.subtype)).toEqual(['premature_completion']);
    expect(result.state.calls).toBe(1);
  });

  it('gives a confirmed intervention the judge guidance', async () => {
    stub.script(
      structured({ findings: [], flagged: [{ id: 'F1', verdict: 'confirmed', confidence: 0.9, guidance: 'pytest failed at step 6; fix it first.' }] }),
    );

    const { result } = await judged(claimAfterFailure());

    expect(result.observation.interventions).toHaveLength(1);
    expect(result.observation.interventions[0]?.guidance).toBe('[Wink] pytest failed at step 6; fix it first.');
  });

  it('opens an episode, verdict and intervention for a judge finding, with the same id scheme as detectors', async () => {
    stub.script(
      structured({
        findings: [{ subtype: 'claim_contradicts_evidence', evidenceStepIndexes: [6, 7], confidence: 0.95, guidance: 'Step 7 contradicts step 6.' }],
        flagged: [],
      }),
    );

    const { result } = await judged(claimAfterFailure(), claimAfterFailure(), []);

    const [episode] = result.observation.opened;
    expect(episode).toMatchObject({ subtype: 'claim_contradicts_evidence', firstStep: 6, openedAtStep: 7 });
    expect(result.observation.verdicts).toEqual([
      { stepIndex: 7, category: 'reasoning_problem', subtype: 'claim_contradicts_evidence', episodeId: episode?.episodeId, evidence: [6, 7] },
    ]);
    expect(result.observation.interventions).toEqual([
      expect.objectContaining({ episodeId: episode?.episodeId, guidance: '[Wink] Step 7 contradicts step 6.', evidence: { stepIndexes: [6, 7] } }),
    ]);
    expect(result.observation.state.openEpisodes.map((e) => e.episodeId)).toEqual([episode?.episodeId]);
  });

  it('loads earlier steps for the window only when a review runs', async () => {
    const all = claimAfterFailure();
    stub.script(structured(emptyAnswer));

    const quiet = await judged(all.slice(1, 3), all, []);
    const reviewed = await judged(all.slice(5), all, []);

    expect(quiet.result.review).toBeNull();
    expect(quiet.loads).toEqual([]);
    expect(reviewed.loads).toEqual([[0, 5]]);
    const sent = stub.completions()[0]?.body.messages[1].content as string;
    expect(sent).toContain('"i":0');
    expect(sent).toContain('"i":7');
  });

  it('leaves the deterministic observation untouched when the judge fails', async () => {
    stub.script(httpError(503), httpError(503));
    const batch = claimAfterFailure();

    const { result } = await judged(batch);

    expect(result.review?.outcome).toBe('error');
    expect(result.observation).toEqual(observeBatch(batch));
    expect(result.state.calls).toBe(1);
  });

  it('reads persisted judge state, starting afresh from anything unreadable', () => {
    expect(parseJudgeState({ tokensUsed: 10, calls: 1, lastReviewedStep: 4 })).toEqual({ tokensUsed: 10, calls: 1, lastReviewedStep: 4 });
    expect(parseJudgeState(undefined)).toEqual(initialJudgeState());
    expect(parseJudgeState({ tokensUsed: 'x' })).toEqual(initialJudgeState());
  });
});
