import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { effectivePolicy } from '../../shared/detection/derivedPolicy.ts';
import { initialDetectionState } from '../../shared/detection/engine.ts';
import { replayTrajectory } from '../../shared/eval/replay.ts';
import { detectSession } from '../../shared/pipeline/detectSession.ts';
import { NotificationsQueue } from '../../shared/queue/sqsQueues.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { stepFingerprint, type Step } from '../../shared/steps.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { drainBodies, freshQueue, freshStore, useLocalAws } from '../support/localAws.ts';
import { trajectory } from '../detection/helpers.ts';

const PYTEST_FAIL = 'FAILED tests/test_app.py::test_add - AssertionError\n========================= 1 failed, 1 passed in 0.12s =========================';

/**
 * The same failing test run is claimed "complete" twice, far enough apart that the first episode
 * closes in between. Both claims hash to the same episode id (same session, subtype and first
 * evidence step), so the pipeline's conditional write records and sends one intervention; offline
 * replay used to list two, and took `openedAtStep` from the second.
 */
function claimedTwiceOverTheSameFailure(): Step[] {
  return trajectory()
    .tool('str_replace_editor', { command: 'str_replace', path: 'src/app.py', old_str: 'a', new_str: 'b' }, 'ok')
    .bash('pytest', PYTEST_FAIL)
    .say('The fix is complete.')
    .bash('ls', 'src tests').bash('git status', 'modified: src/app.py').bash('git diff', '-a\n+b')
    .say('The fix is complete.')
    .steps;
}

describe('offline replay reports what the pipeline sends', () => {
  it('one intervention per episode id, opened at the step that first opened it', () => {
    const replayed = replayTrajectory({ source: 'twice.jsonl', format: 'canonical', task: 'Fix src/app.py', steps: claimedTwiceOverTheSameFailure() }, { thresholds: DEFAULT_THRESHOLDS });
    expect(replayed.interventions.map((i) => [i.subtype, i.openedAtStep])).toEqual([['premature_completion', 4]]);
  });

  describe('against detectSession on DynamoDB Local and SQS', () => {
    let store: WinkStore;
    let sqs: SQSClient;
    const clock = Date.parse('2026-11-30T12:00:00Z');
    beforeAll(async () => {
      useLocalAws();
      ({ store } = await freshStore());
      sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    });

    it('sends the same episodes, with the same ids, in two batches as replay does in one pass', async () => {
      const steps = claimedTwiceOverTheSameFailure();
      const sessionId = 's-parity';
      const task = 'Fix src/app.py. DO NOT MODIFY: tests';
      const session: SessionRecord = {
        sessionId, agentId: 'a', task, constraints: [], policy: effectivePolicy(undefined, task).policy, ownerKeyHash: 'h',
        createdAt: new Date(clock).toISOString(), detection: initialDetectionState(), llmTokens: 0, version: 0,
      };
      await store.createSession(session, clock);
      const queueUrl = await freshQueue(sqs, 'notify');
      const deps = { store, notificationsQueue: new NotificationsQueue(sqs, queueUrl), thresholds: DEFAULT_THRESHOLDS, gapWaitMs: 30_000, now: () => clock };
      const put = (batch: Step[]) => store.putNewSteps(sessionId, batch.map((step) => ({ step, fingerprint: stepFingerprint(step), receivedAt: clock })), clock);
      await put(steps.slice(0, 7));
      await detectSession(deps, sessionId);
      await put(steps.slice(7));
      await detectSession(deps, sessionId);

      const sent = (await drainBodies(sqs, queueUrl)) as Array<{ episodeId: string }>;
      const recorded = await store.listInterventions(sessionId);
      const replayed = replayTrajectory({ source: 'x', format: 'canonical', task, steps }, { thresholds: DEFAULT_THRESHOLDS, sessionId });
      expect(sent.map((m) => m.episodeId).sort()).toEqual(replayed.interventions.map((i) => i.episodeId).sort());
      expect(recorded.map((r) => [r.episodeId, r.subtype]).sort()).toEqual(replayed.interventions.map((i) => [i.episodeId, i.subtype]).sort());
    });

    it('a long loop seen by two detectors is one episode in both (openhands-sdk/safety-metrics: click / get_state ~90 times)', async () => {
      const page = JSON.stringify({ url: 'http://the-agent-company.com:8092/index.php/apps/files/?dir=%2F&fileid=5', title: 'Files - ownCloud' });
      const loop = trajectory().user('Download the attendance file from ownCloud.');
      for (let n = 0; n < 45; n += 1) loop.tool('browser_click', { index: 1233, new_tab: false }, 'Clicked element 1233').tool('browser_get_state', { include_screenshot: false }, page);
      const steps = loop.steps;
      const sessionId = 's-parity-loop';
      const task = 'Download the attendance file from ownCloud.';
      const session: SessionRecord = {
        sessionId, agentId: 'a', task, constraints: [], policy: {}, ownerKeyHash: 'h',
        createdAt: new Date(clock).toISOString(), detection: initialDetectionState(), llmTokens: 0, version: 0,
      };
      await store.createSession(session, clock);
      const queueUrl = await freshQueue(sqs, 'notify-loop');
      const deps = { store, notificationsQueue: new NotificationsQueue(sqs, queueUrl), thresholds: DEFAULT_THRESHOLDS, gapWaitMs: 30_000, now: () => clock };
      for (let from = 0; from < steps.length; from += 25) {
        const batch = steps.slice(from, from + 25);
        await store.putNewSteps(sessionId, batch.map((step) => ({ step, fingerprint: stepFingerprint(step), receivedAt: clock })), clock);
        await detectSession(deps, sessionId);
      }

      const sent = (await drainBodies(sqs, queueUrl)) as Array<{ episodeId: string; subtype: string }>;
      const replayed = replayTrajectory({ source: 'x', format: 'canonical', task, steps }, { thresholds: DEFAULT_THRESHOLDS, sessionId });
      expect(replayed.interventions.map((i) => i.subtype)).toEqual(['alternating_loop']);
      expect(sent.map((m) => m.episodeId)).toEqual(replayed.interventions.map((i) => i.episodeId));
    });
  });
});
