import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps, type DetectionState } from '../../shared/detection/engine.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { StaleSessionVersionError, WinkStore } from '../../shared/store/winkStore.ts';
import { syntheticSession } from '../../bench/detection.ts';
import { freshStore } from '../support/localAws.ts';

/** Detection state as kept on the session item (issue 14): deflated, and written without a transaction when alone. */
describe('detection state on DynamoDB Local', () => {
  let tableName: string;
  let raw: DynamoDBDocumentClient;
  const now = Date.parse('2026-12-01T03:00:00Z');
  const spec = { sessionId: 's', task: 'Fix the timezone bug', constraints: [], policy: {} };

  beforeAll(async () => {
    ({ tableName } = await freshStore());
    raw = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  });

  /** A store whose client notes the name of every command it sends (a middleware on the real client). */
  function countingStore(): { store: WinkStore; commands: string[] } {
    const client = createDocumentClient();
    const commands: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    }, { step: 'initialize', name: 'commandNames' });
    return { store: new WinkStore(client, tableName), commands };
  }

  const session = (sessionId: string, detection: DetectionState = initialDetectionState()): SessionRecord => ({
    sessionId, agentId: 'a', task: spec.task, constraints: [], policy: {}, ownerKeyHash: 'h',
    createdAt: new Date(now).toISOString(), detection, llmTokens: 0, version: 0,
  });

  const busyState = (): DetectionState =>
    JSON.parse(JSON.stringify(observeSteps(spec, initialDetectionState(), syntheticSession(600), { thresholds: DEFAULT_THRESHOLDS }).state)) as DetectionState;

  const rawDetection = async (sessionId: string) =>
    (await raw.send(new GetCommand({ TableName: tableName, Key: { pk: `SESSION#${sessionId}`, sk: 'SESSION' } }))).Item?.detection as Record<string, unknown>;

  it('stores the state deflated beside a readable nextIndex, and reads back the same state', async () => {
    const { store } = countingStore();
    await store.createSession(session('s-packed'), now);
    const state = busyState();
    await store.commitDetection('s-packed', 0, { detection: state, verdicts: [], episodes: [], interventions: [] }, now);

    const stored = await rawDetection('s-packed');
    expect(Object.keys(stored).sort()).toEqual(['deflated', 'nextIndex']);
    expect(stored.nextIndex).toBe(600);
    const plainBytes = Buffer.byteLength(JSON.stringify(state));
    expect((stored.deflated as Uint8Array).length).toBeLessThan(plainBytes / 3);
    expect((await store.getSession('s-packed'))?.detection).toEqual(state);
    expect(await store.detectionNextIndex('s-packed')).toBe(600);
  });

  it('commits a run that only moves the state with one conditional update, not a transaction', async () => {
    const { store, commands } = countingStore();
    await store.createSession(session('s-alone'), now);
    commands.length = 0;
    await store.commitDetection('s-alone', 0, { detection: busyState(), verdicts: [], episodes: [], interventions: [] }, now);
    expect(commands).toEqual(['UpdateItemCommand']);

    // Still conditional on the version read: a run that lost the race writes nothing.
    const stale = { ...initialDetectionState(), nextIndex: 1 };
    await expect(store.commitDetection('s-alone', 0, { detection: stale, verdicts: [], episodes: [], interventions: [] }, now))
      .rejects.toBeInstanceOf(StaleSessionVersionError);
    expect((await store.getSession('s-alone'))?.detection.nextIndex).toBe(600);
  });

  it('keeps the transaction when a run also writes verdicts, episodes or interventions', async () => {
    const { store, commands } = countingStore();
    await store.createSession(session('s-facts'), now);
    commands.length = 0;
    const verdict = { stepIndex: 3, category: 'reasoning_problem' as const, subtype: 'action_loop' as const, episodeId: 'ep_1', evidence: [1, 3] };
    await store.commitDetection('s-facts', 0, { detection: { ...initialDetectionState(), nextIndex: 4 }, verdicts: [verdict], episodes: [], interventions: [] }, now);
    expect(commands).toEqual(['TransactWriteItemsCommand']);
    expect(await store.listVerdicts('s-facts')).toEqual([verdict]);
    expect((await store.getSession('s-facts'))?.detection.nextIndex).toBe(4);
  });

  it('reads a state stored as a plain map (initial states, items written before the encoding)', async () => {
    const { store } = countingStore();
    const legacy = busyState();
    await raw.send(new PutCommand({ TableName: tableName, Item: { pk: 'SESSION#s-legacy', sk: 'SESSION', ...session('s-legacy', legacy) } }));
    expect((await store.getSession('s-legacy'))?.detection).toEqual(legacy);
    await store.commitDetection('s-legacy', 0, { detection: legacy, verdicts: [], episodes: [], interventions: [] }, now);
    expect((await store.getSession('s-legacy'))?.detection).toEqual(legacy);
  });
});
