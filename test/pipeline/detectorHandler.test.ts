import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../local/sqsPoller.ts';
import { ENV } from '../../shared/config.ts';
import { initialDetectionState } from '../../shared/detection/engine.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { stepFingerprint, type Step } from '../../shared/steps.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { freshStore, useLocalAws } from '../support/localAws.ts';
import { slow, startOpenAIStub, structured, type OpenAIStub } from '../support/openaiStub.ts';
import { call, cleanRun, failingLoop, result } from '../support/steps.ts';

/**
 * The detector Lambda handler itself, fed fixture SQS events (as the FIFO event source builds
 * them), over DynamoDB Local and fauxqs queues, with the LLM judge on an OpenAI-compatible stub.
 */
describe('detector handler', () => {
  const JUDGE_TIMEOUT_MS = 2_000;
  let store: WinkStore;
  let sqs: SQSClient;
  let llm: OpenAIStub;
  let stepsQueueArn: string;
  let notificationsQueueUrl: string;
  let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  let runReserveMs: number;
  const clock = Date.now();

  beforeAll(async () => {
    useLocalAws();
    const fresh = await freshStore();
    store = fresh.store;
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    llm = await startOpenAIStub();
    const suffix = randomBytes(6).toString('hex');
    const queue = async (name: string, attributes: Record<string, string> = {}) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    const stepsQueueUrl = await queue(`handler-steps-${suffix}.fifo`, { FifoQueue: 'true' });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stepsQueueUrl, AttributeNames: ['QueueArn'] }));
    stepsQueueArn = Attributes!.QueueArn!;
    notificationsQueueUrl = await queue(`handler-notify-${suffix}`);
    Object.assign(process.env, {
      [ENV.tableName]: fresh.tableName,
      [ENV.stepsQueueUrl]: stepsQueueUrl,
      [ENV.stepTimerQueueUrl]: await queue(`handler-timer-${suffix}`),
      [ENV.notificationsQueueUrl]: notificationsQueueUrl,
      WINK_LLM_BASE_URL: llm.baseURL,
      WINK_LLM_MODEL: 'judge-model',
      WINK_LLM_API_KEY: 'sk-judge-test',
      WINK_LLM_TIMEOUT_MS: String(JUDGE_TIMEOUT_MS),
      POWERTOOLS_DEV: 'true', // the Logger writes through the global console, which the tests watch
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'wink',
    });
    const module = await import('../../functions/detector/handler.ts');
    handler = module.handler as unknown as typeof handler;
    runReserveMs = module.RUN_TIME_RESERVE_MS;
  });

  afterAll(async () => {
    sqs?.destroy();
    await llm?.close();
  });

  async function session(sessionId: string, steps: Step[]): Promise<SQSRecord> {
    const record: SessionRecord = {
      sessionId, agentId: 'a', task: 'Fix the off-by-one in range_sum()', constraints: [], policy: {}, ownerKeyHash: 'h',
      createdAt: new Date(clock).toISOString(), detection: initialDetectionState(), llmTokens: 0, version: 0,
    };
    await store.createSession(record, clock);
    await store.putNewSteps(sessionId, steps.map((step) => ({ step, fingerprint: stepFingerprint(step), receivedAt: clock })), clock);
    return stepsRecord(sessionId, steps.map((s) => s.index));
  }

  function stepsRecord(sessionId: string, indexes: number[]): SQSRecord {
    return {
      messageId: `m-${sessionId}`, receiptHandle: 'r', body: JSON.stringify({ sessionId, indexes }),
      attributes: {
        ApproximateReceiveCount: '1', SentTimestamp: String(clock), SenderId: 'test', ApproximateFirstReceiveTimestamp: String(clock),
        MessageGroupId: sessionId, MessageDeduplicationId: sessionId, SequenceNumber: '1',
      },
      messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: stepsQueueArn, awsRegion: 'us-east-1',
    };
  }

  /** The ERROR lines the handler logged, parsed. */
  function errorLines(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
    return spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
  }

  it('starts a record only with time left for a run: after a slow judge, the later records fail on their own, logged, and the finished one stands', async () => {
    llm.script(slow(JUDGE_TIMEOUT_MS - 200, structured({ findings: [], flagged: [] })));
    const judged = await session('h-judged', [...cleanRun(), call(9, 'echo "# New intro" > README.md'), result(10, '')]);
    const second = await session('h-second', cleanRun());
    const third = await session('h-third', cleanRun());
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    // Enough time for one run (judge included) but not for one more after the judge's answer.
    const context = lambdaContext('detector', runReserveMs + JUDGE_TIMEOUT_MS - 500);
    const response = await handler({ Records: [judged, second, third] }, context);
    const logged = errorLines(errors);
    errors.mockRestore();

    expect(llm.completions().length).toBeGreaterThanOrEqual(1);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-h-second', 'm-h-third']);
    expect((await store.getSession('h-judged'))?.detection.nextIndex).toBe(11);
    expect((await store.getSession('h-second'))?.version).toBe(0);
    expect(logged.map((line) => [line.message, line.sessionId, line.stepRange, (line.error as { name: string }).name])).toEqual([
      ['Steps record failed', 'h-second', '0-8', 'OutOfTimeError'],
      ['Steps record failed', 'h-third', '0-8', 'OutOfTimeError'],
    ]);
  });

  it('logs every failed record with its session, step range and cause, including the ones its failure held back', async () => {
    const failing = await session('h-fails', failingLoop(4));
    const clean = await session('h-clean', cleanRun());
    const heldBack = { ...stepsRecord('h-fails', [9]), messageId: 'm-h-fails-later' };
    // The run commits, then cannot hand the intervention to the notifier.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: notificationsQueueUrl }));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const response = await handler({ Records: [failing, clean, heldBack] }, lambdaContext('detector', 120_000));
    const logged = errorLines(errors);
    errors.mockRestore();

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-h-fails', 'm-h-fails-later']);
    expect((await store.getSession('h-clean'))?.detection.nextIndex).toBe(9);
    expect(logged.map((line) => [line.sessionId, line.stepRange, line.attempt, (line.error as { name: string }).name])).toEqual([
      ['h-fails', '0-8', 1, 'NotificationQueueError'],
      ['h-fails', '9', 1, 'Error'],
    ]);
    expect(String((logged[0]!.error as { message: string }).message)).toMatch(/could not be queued/);
    expect(String((logged[1]!.error as { message: string }).message)).toMatch(/earlier record of the same session failed/);
  });
});
