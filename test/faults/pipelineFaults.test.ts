import { SQSClient } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { STRANDED_AFTER_MS } from '../../shared/pipeline/detectSession.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { apiClient } from '../support/apiClient.ts';
import { about, callSites, from, installFaultInjector, reportFaults, type FaultRule } from '../support/faultInjector.ts';
import { censusQueues, censusTable, waitFor } from '../support/pipelineCensus.ts';
import { startScriptedReceiver, type ReceiverAnswer } from '../support/scriptedReceiver.ts';
import { failingLoop } from '../support/steps.ts';

/**
 * The detector and the notifier with faults injected into their real DynamoDB and SQS clients, and
 * a webhook receiver that misbehaves: every case is its own session, all run side by side, and
 * once the faults stop the whole table and every queue are counted — not sampled.
 */
describe('detector and notifier under faults (fault middleware on the real clients)', () => {
  const faults = installFaultInjector(1515);
  let stack: LocalStack;
  let sqs: SQSClient;
  let api: ReturnType<typeof apiClient>;
  let receiver: Awaited<ReturnType<typeof startScriptedReceiver>>;
  let store: WinkStore;
  let documentClient: ReturnType<typeof createDocumentClient>;
  /** Webhook POSTs each session's intervention should have caused, once everything settled. */
  const expectedPosts = new Map<string, number>();
  const labels = new Map<string, string>();
  const ruleNames: string[] = [];

  beforeAll(async () => {
    receiver = await startScriptedReceiver();
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `pipeline-faults-${process.pid}`,
      visibilityTimeoutSeconds: 1,
      // Long enough that the first run meets the gap before its wait is over, even on a loaded machine.
      gapWaitSeconds: 6,
      retryDelaysSeconds: [1, 1, 1, 1, 1],
      webhookTimeoutMs: 500,
      // One detector poller: a record that fails is not picked up again while its run is still going
      // (with a 1 s visibility timeout on a loaded machine it could be; contention.test.ts covers that).
      detectorWorkers: 1,
      logLevel: 'CRITICAL',
      wrapHandler: faults.wrapHandler,
    });
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    api = apiClient(stack.url, stack.apiKey);
    documentClient = createDocumentClient();
    store = new WinkStore(documentClient, stack.resources.tableName);
  });

  afterAll(async () => {
    reportFaults('pipelineFaults', faults);
    faults.clear();
    sqs?.destroy();
    await stack?.stop();
    await receiver?.close();
  });

  /**
   * In AWS a crashed detector record comes back after the steps queue's visibility timeout (6 ×
   * the detector's timeout: 6 minutes), when its intervention is older than STRANDED_AFTER_MS and
   * the sweep re-queues it. Here the record comes back after 1 s, so the crash ages the session's
   * interventions instead of the test waiting a minute.
   */
  const ageInterventions = (sessionId: string) => async () => {
    const agedAt = new Date(Date.now() - STRANDED_AFTER_MS - 1_000).toISOString();
    for (const intervention of await store.listInterventions(sessionId)) {
      await documentClient.send(new UpdateCommand({
        TableName: stack.resources.tableName,
        Key: { pk: `SESSION#${sessionId}`, sk: `INTERVENTION#${intervention.episodeId}` },
        UpdateExpression: 'SET createdAt = :aged',
        ExpressionAttributeValues: { ':aged': agedAt },
      }));
    }
  };

  /** Creates a session whose webhook answers as scripted, adds its faults, posts a failing loop. */
  async function runCase(label: string, rules: (sessionId: string) => Omit<FaultRule, 'name'>[], posts = 1, answers: ReceiverAnswer[] = []) {
    const { body: session } = await api.createSession({ agentId: 'faults', task: 'Fix the failing import in app.py', webhook: { url: receiver.urlFor(label, ...answers) } });
    const named = rules(session.sessionId).map((rule, i) => ({ ...rule, name: `${label}#${i}` }));
    faults.add(...named);
    ruleNames.push(...named.map((rule) => rule.name));
    expectedPosts.set(session.sessionId, posts);
    labels.set(session.sessionId, label);
    const { status } = await api.postSteps(session.sessionId, { steps: failingLoop(3) });
    expect(status).toBe(202);
    return session.sessionId as string;
  }

  const detector = (sessionId: string, site: FaultRule['match']) => about(sessionId, from('detector', site));
  const notifier = (sessionId: string, site: FaultRule['match']) => about(sessionId, from('notifier', site));

  // First, while the detector is idle: the gap must still be open when the first run meets it.
  it('a gap whose wake-up send loses its reply and whose forward fails once is still skipped after its wait; a step arriving after that is stored (202) but never observed', async () => {
    const steps = failingLoop(4); // indexes 0–8
    const { body: session } = await api.createSession({ agentId: 'faults', task: 'Fix the failing import in app.py' });
    const id = session.sessionId as string;
    faults.add(
      { name: 'gap-timer-send-lost-reply', match: detector(id, callSites.sendToStepTimerQueue), fault: 'after_success', times: 1 },
      { name: 'gap-forward-500', match: detector(id, callSites.sendToStepsQueue), fault: 'server_error', times: 1 },
    );
    expect((await api.postSteps(id, { steps: steps.filter((step) => step.index !== 3) })).status).toBe(202);
    // The lost-reply wake-up was sent: it comes due and is forwarded (once failing), whatever else happens.
    const skipped = await waitFor(async () => {
      const entry = (await censusTable(stack.resources.tableName)).get(id);
      return entry?.nextIndex === 9 && faults.injected['gap-forward-500'] ? entry : undefined;
    }, 'the gap at index 3 to be skipped and the wake-up forwarded');
    expect(faults.injected['gap-timer-send-lost-reply']).toBe(1);
    expect(faults.injected['gap-forward-500']).toBe(1);

    expect((await api.postSteps(id, { steps: [steps[3]] })).status).toBe(202);
    await waitFor(async () => ((await censusQueues(sqs, stack.resources)).steps === 0 ? true : undefined), 'the late step\'s message to be processed');
    const after = (await censusTable(stack.resources.tableName)).get(id)!;
    expect(after.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(after.stepCount).toBe(9);
    expect(after.nextIndex).toBe(9);
    // The same one intervention as before the late step: nothing was observed again.
    expect(after.interventions.map((i) => i.episodeId)).toEqual(skipped.interventions.map((i) => i.episodeId));
    expect(after.interventions).toHaveLength(1);
  });

  it('each detector and notifier call site failing (throttling, 500, cancelled transaction, lost reply), a crash after each of the detector\'s calls, a misbehaving receiver: every case recovers, counted', async () => {
    // Started one after another (each takes two requests); they are processed side by side.
    const cases: (() => Promise<string>)[] = [
      () => runCase('detector-session-read-throttled', (id) => [{ match: detector(id, callSites.getSession), fault: 'throttling', times: 2 }]),
      () => runCase('detector-steps-read-capacity', (id) => [{ match: detector(id, callSites.stepsFrom), fault: 'throughput_exceeded', times: 1 }]),
      () => runCase('detector-sweep-read-500', (id) => [{ match: detector(id, callSites.listInterventions), fault: 'server_error', times: 1 }]),
      () => runCase('commit-throttled', (id) => [{ match: detector(id, callSites.commitDetection), fault: 'throttling', times: 1 }]),
      () => runCase('commit-conflict', (id) => [{ match: detector(id, callSites.commitDetection), fault: 'transaction_canceled', times: 1 }]),
      () => runCase('notification-send-500', (id) => [{ match: detector(id, callSites.sendToNotificationsQueue), fault: 'server_error', times: 1, onFault: ageInterventions(id) }]),
      // The detector crashing right after its Nth call of a run: the session read, the sweep, the steps
      // read, the commit (a lost reply: the commit stands, nothing is queued yet), the notification send.
      ...[0, 1, 2, 3, 4].map((n) => () => runCase(`detector-crash-after-call-${n}`, (id) => [{
        match: detector(id, () => true), fault: 'after_success', skip: n, times: 1,
        onFault: (call) => (callSites.commitDetection(call) ? ageInterventions(id)() : undefined),
      }])),
      () => runCase('notifier-read-throttled', (id) => [{ match: notifier(id, callSites.getIntervention), fault: 'throttling', times: 1 }]),
      // Crash after a successful POST, before recording it: the POST is repeated, with the same webhook-id.
      () => runCase('notifier-crash-before-record', (id) => [{ match: notifier(id, callSites.recordDelivery), fault: 'server_error', times: 1 }], 2),
      () => runCase('notifier-crash-after-record', (id) => [{ match: notifier(id, callSites.recordDelivery), fault: 'after_success', times: 1 }]),
      () => runCase('receiver-faults', () => [], 5, [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, 'hang', 'reset']),
    ];
    for (let i = 0; i < cases.length; i += 4) await Promise.all(cases.slice(i, i + 4).map((start) => start()));
    // The crashed delete: the event source's DeleteMessageBatch after the detector succeeded.
    faults.add({ name: 'steps-delete-lost', match: callSites.deleteSteps, fault: 'server_error', times: 1 });
    await runCase('crash-before-delete', () => []);

    let census = await censusTable(stack.resources.tableName);
    const unsettled = () => [...expectedPosts.keys()].filter((id) => {
      const entry = census.get(id);
      return !(entry?.nextIndex === 7 && entry.interventions.length > 0 && entry.interventions.every((i) => i.delivery.status === 'delivered'));
    }).map((id) => ({ label: labels.get(id), nextIndex: census.get(id)?.nextIndex, interventions: census.get(id)?.interventions }));
    await waitFor(async () => {
      census = await censusTable(stack.resources.tableName);
      return unsettled().length === 0 ? true : undefined;
    }, 'every intervention delivered', 45_000).catch(() => undefined);
    expect(unsettled()).toEqual([]);
    // Every fault scripted was injected (a case that never met its fault would prove nothing).
    expect(ruleNames.filter((name) => !faults.injected[name])).toEqual([]);
    expect(faults.injected['steps-delete-lost']).toBe(1);

    // Exactly one intervention per session (one episode each), delivered. Delivery is at least once:
    // every POST carries the intervention's id as webhook-id, and a crash between POST and record
    // repeats it. (Once in several runs on a loaded machine one more duplicate appeared: allowed.)
    for (const [sessionId, posts] of expectedPosts) {
      const { interventions, steps, stepCount } = census.get(sessionId)!;
      expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(stepCount).toBe(7);
      expect(interventions).toHaveLength(1);
      const [intervention] = interventions;
      const ids = receiver.received.filter((post) => post.path === `/${labels.get(sessionId)}`).map((post) => post.headers['webhook-id']);
      expect({ label: labels.get(sessionId), ids: [...new Set(ids)] }).toEqual({ label: labels.get(sessionId), ids: [intervention!.interventionId] });
      expect(ids.length, labels.get(sessionId)).toBeGreaterThanOrEqual(posts);
    }
    let queues = await censusQueues(sqs, stack.resources);
    await waitFor(async () => {
      queues = await censusQueues(sqs, stack.resources);
      return Object.values(queues).every((n) => n === 0) ? true : undefined;
    }, 'every queue to drain').catch(() => undefined);
    expect(queues).toEqual({ steps: 0, stepsDlq: 0, stepTimer: 0, stepTimerDlq: 0, notifications: 0, notificationsDlq: 0 });
  }, 90_000);
});
