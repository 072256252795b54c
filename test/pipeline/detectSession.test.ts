import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../../shared/detection/engine.ts';
import { NotificationQueueError, STRANDED_AFTER_MS, detectSession, specOf, type DetectDeps } from '../../shared/pipeline/detectSession.ts';
import { NotificationsQueue } from '../../shared/queue/sqsQueues.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { stepFingerprint, type Step } from '../../shared/steps.ts';
import { MAX_COMMIT_ITEMS, StaleSessionVersionError, type WinkStore } from '../../shared/store/winkStore.ts';
import { drainBodies, freshQueue, freshStore, useLocalAws } from '../support/localAws.ts';
import { cleanRun, failingLoop } from '../support/steps.ts';

/**
 * Detection against DynamoDB Local and a real SQS notifications queue: redelivered and concurrent
 * work computes the same episodes and queues exactly one notification per episode.
 */
describe('detectSession', () => {
  let store: WinkStore;
  let sqs: SQSClient;
  let clock = Date.parse('2026-11-25T12:00:00Z');

  beforeAll(async () => {
    useLocalAws();
    ({ store } = await freshStore());
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  });

  async function setup(sessionId: string, steps: Step[], receivedAt = clock) {
    const queueUrl = await freshQueue(sqs, 'notify');
    const session: SessionRecord = {
      sessionId, agentId: 'a', task: 't', constraints: [], policy: {}, ownerKeyHash: 'h',
      createdAt: new Date(clock).toISOString(), detection: initialDetectionState(), llmTokens: 0, version: 0,
    };
    await store.createSession(session, clock);
    await store.putNewSteps(sessionId, steps.map((step) => ({ step, fingerprint: stepFingerprint(step), receivedAt })), clock);
    const deps: DetectDeps = {
      store, notificationsQueue: new NotificationsQueue(sqs, queueUrl), thresholds: DEFAULT_THRESHOLDS, gapWaitMs: 30_000, now: () => clock,
    };
    return { deps, queueUrl };
  }

  it('records one intervention for a looping trajectory and queues one notification', async () => {
    const { deps, queueUrl } = await setup('s-loop', failingLoop(4));
    const outcome = await detectSession(deps, 's-loop');
    expect(outcome).toMatchObject({ status: 'processed', observed: 9 });
    expect(outcome.status === 'processed' && outcome.recorded.map((r) => r.subtype)).toEqual(['repeated_failing_call']);
    expect(await drainBodies(sqs, queueUrl)).toEqual([{ sessionId: 's-loop', episodeId: expect.stringMatching(/^ep_/) }]);
    expect((await store.getSession('s-loop'))?.detection.nextIndex).toBe(9);
  });

  it('computes the same episode on a replay from scratch (a redelivered batch before state was saved) and does not notify twice', async () => {
    const { deps, queueUrl } = await setup('s-replay', failingLoop(4));
    const first = await detectSession(deps, 's-replay');
    // Simulate the crash window: interventions written, state never saved → roll state back.
    const saved = (await store.getSession('s-replay'))!;
    await store.saveDetectionState('s-replay', saved.version, { detection: initialDetectionState() });
    const second = await detectSession(deps, 's-replay');

    expect(second.status === 'processed' && second.observation.opened.map((e) => e.episodeId))
      .toEqual(first.status === 'processed' && first.observation.opened.map((e) => e.episodeId));
    expect(second.status === 'processed' && second.recorded).toEqual([]);
    expect(await drainBodies(sqs, queueUrl)).toHaveLength(1);
    expect(await store.listInterventions('s-replay')).toHaveLength(1);
  });

  it('keeps the committed intervention when its notification cannot be queued; the retry’s sweep queues it once it is clearly not in flight', async () => {
    const { deps, queueUrl } = await setup('s-stranded', failingLoop(4));
    const failing = { ...deps, notificationsQueue: { send: async () => { throw new Error('SQS unavailable'); } } };
    await expect(detectSession(failing, 's-stranded')).rejects.toThrow(NotificationQueueError);
    // The run committed (state, episode and intervention together); only the hand-over failed.
    expect(await store.listInterventions('s-stranded')).toHaveLength(1);
    expect((await store.getSession('s-stranded'))?.detection.nextIndex).toBe(9);

    // Another message of the session is processed at once: nothing new, and the intervention is
    // left alone (a live winner may be queuing it right now).
    const soon = await detectSession({ ...deps, now: () => clock + 1_000 }, 's-stranded');
    expect(soon).toMatchObject({ status: 'processed', observed: 0, recorded: [] });
    expect(await drainBodies(sqs, queueUrl)).toEqual([]);

    // The failed message comes back after its visibility timeout (minutes): the sweep queues it, once.
    const later = { ...deps, now: () => clock + STRANDED_AFTER_MS + 1_000 };
    await detectSession(later, 's-stranded');
    await detectSession(later, 's-stranded');
    expect(await drainBodies(sqs, queueUrl)).toEqual([{ sessionId: 's-stranded', episodeId: expect.stringMatching(/^ep_/) }]);
    expect((await store.listInterventions('s-stranded'))[0]!.delivery.requeuedAt).toBe(new Date(clock + STRANDED_AFTER_MS + 1_000).toISOString());
  });

  it('lets concurrent invocations race: one commits, the others fail the version check, one notification in all', async () => {
    const { deps, queueUrl } = await setup('s-concurrent', failingLoop(5));
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => detectSession(deps, 's-concurrent')));

    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const rejected of results.filter((r) => r.status === 'rejected')) {
      expect((rejected as PromiseRejectedResult).reason.name).toBe('StaleSessionVersionError');
    }
    expect(await drainBodies(sqs, queueUrl)).toHaveLength(1);
    expect(await store.listInterventions('s-concurrent')).toHaveLength(1);
  });

  it('a run that loses the version check writes nothing: its older episode snapshot never overwrites a newer one', async () => {
    const { deps } = await setup('s-stale', failingLoop(4));
    // Run A reads the session and its steps, then stalls (a slow judge, a paused container).
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => { resume = resolve; });
    let readSteps!: () => void;
    const aHasRead = new Promise<void>((resolve) => { readSteps = resolve; });
    const slowStore = Object.assign(Object.create(store), {
      stepsFrom: async (sessionId: string, from: number, limit: number) => {
        const steps = await store.stepsFrom(sessionId, from, limit);
        readSteps();
        await stalled;
        return steps;
      },
    }) as WinkStore;
    const runA = detectSession({ ...deps, store: slowStore }, 's-stale');
    await aHasRead;

    // Meanwhile run B observes the loop, and after five quiet steps run C closes its episode.
    await detectSession(deps, 's-stale');
    const quiet = cleanRun(8).slice(1);
    await store.putNewSteps('s-stale', quiet.map((step) => ({ step, fingerprint: stepFingerprint(step), receivedAt: clock })), clock);
    await detectSession(deps, 's-stale');
    const newer = { episodes: await store.listEpisodes('s-stale'), verdicts: await store.listVerdicts('s-stale') };
    expect(newer.episodes.map((e) => e.status)).toEqual(['closed']);

    resume();
    await expect(runA).rejects.toThrow(StaleSessionVersionError);
    expect({ episodes: await store.listEpisodes('s-stale'), verdicts: await store.listVerdicts('s-stale') }).toEqual(newer);
  });

  it('needs no run for a message whose steps were all observed by an earlier run', async () => {
    const { deps } = await setup('s-observed', failingLoop(3));
    await detectSession(deps, 's-observed');
    expect(await detectSession(deps, 's-observed', { skipIfObserved: [5, 6] })).toEqual({ status: 'already_observed', nextIndex: 7 });
    expect(await detectSession(deps, 's-observed', { skipIfObserved: [6, 7] })).toMatchObject({ status: 'processed', observed: 0 });
  });

  it('splits a backlog whose results would not fit in one commit transaction into several runs', async () => {
    const { deps } = await setup('s-busy', failingLoop(60));
    const runs = [];
    for (let run = 0; run < 20; run += 1) {
      const outcome = await detectSession(deps, 's-busy');
      if (outcome.status !== 'processed') throw new Error(outcome.status);
      runs.push(outcome);
      if (!outcome.more) break;
    }
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.observation.verdicts.length).toBeLessThanOrEqual(MAX_COMMIT_ITEMS);
    expect((await store.getSession('s-busy'))?.detection.nextIndex).toBe(121);
    // The same interventions as observing all 121 steps in one pass.
    const session = (await store.getSession('s-busy'))!;
    const onePass = observeSteps(specOf(session), initialDetectionState(), failingLoop(60), { thresholds: DEFAULT_THRESHOLDS });
    expect(runs.flatMap((r) => r.recorded.map((i) => i.episodeId))).toEqual(onePass.interventions.map((i) => i.episodeId));
  });

  it('observes a backlog in bounded runs that save their progress, with the same one intervention as a single pass', async () => {
    const { deps, queueUrl } = await setup('s-backlog', failingLoop(4));
    const bounded = { ...deps, maxStepsPerRun: 4 };
    const runs = [];
    for (let run = 0; run < 5; run += 1) {
      const outcome = await detectSession(bounded, 's-backlog');
      if (outcome.status !== 'processed') throw new Error(outcome.status);
      runs.push(outcome);
      if (!outcome.more) break;
    }

    expect(runs.map((r) => [r.observed, r.more ?? false])).toEqual([[4, true], [4, true], [1, false]]);
    expect((await store.getSession('s-backlog'))?.detection.nextIndex).toBe(9);
    expect(runs.flatMap((r) => r.recorded.map((i) => i.subtype))).toEqual(['repeated_failing_call']);
    expect(await drainBodies(sqs, queueUrl)).toHaveLength(1);
    const single = await setup('s-single', failingLoop(4));
    const whole = await detectSession(single.deps, 's-single');
    expect(whole.status === 'processed' && whole.recorded[0]?.evidence).toEqual(runs.flatMap((r) => r.recorded)[0]?.evidence);
  });

  it('queues nothing for a clean run', async () => {
    const { deps, queueUrl } = await setup('s-clean', cleanRun());
    const outcome = await detectSession(deps, 's-clean');
    expect(outcome.status === 'processed' && outcome.observation.verdicts).toEqual([]);
    expect(await drainBodies(sqs, queueUrl)).toEqual([]);
  });

  it('holds back steps after a gap until the wait passes, then skips the gap', async () => {
    const steps = failingLoop(3).filter((s) => s.index !== 2);
    const { deps } = await setup('s-gap', steps, clock);
    const waiting = await detectSession(deps, 's-gap');
    expect(waiting).toMatchObject({ status: 'processed', observed: 2, waitingForGap: { missingIndex: 2, retryAfterMs: 30_000 } });

    clock += 30_000;
    const resumed = await detectSession(deps, 's-gap');
    expect(resumed).toMatchObject({ status: 'processed', observed: steps.length - 2 });
    expect(resumed.status === 'processed' && resumed.waitingForGap).toBeUndefined();
    expect((await store.getSession('s-gap'))?.detection.nextIndex).toBe(7);
  });

  it('drops work for an unknown session', async () => {
    const { deps } = await setup('s-known', []);
    expect(await detectSession(deps, 's-unknown')).toEqual({ status: 'unknown_session' });
  });
});
