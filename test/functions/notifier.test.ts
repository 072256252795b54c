import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqsPoller, type SqsHandler } from '../../local/sqsPoller.ts';
import { ENV } from '../../shared/config.ts';
import { initialDetectionState } from '../../shared/detection/engine.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { tableDefinition } from '../../shared/store/tableDefinition.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { useLocalAws } from '../support/localAws.ts';
import { startWebhookReceiver } from '../support/webhookReceiver.ts';

/**
 * The notifier Lambda handler on DynamoDB Local and fauxqs (issue 8 item 10): its own failures are
 * logged with session, episode and cause and cost no webhook attempt; the last failed attempt
 * moves the message to the DLQ.
 */
describe('notifier handler', () => {
  const tableName = `notifier-${randomBytes(4).toString('hex')}`;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let poller: SqsPoller;
  let store: WinkStore;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    useLocalAws();
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const queue = async (name: string) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${randomBytes(4).toString('hex')}`, Attributes: { VisibilityTimeout: '0' } }))).QueueUrl!;
    queueUrl = await queue('notifications');
    dlqUrl = await queue('notifications-dlq');
    // The table does not exist yet: the first delivery meets a real ResourceNotFoundException.
    Object.assign(process.env, {
      [ENV.tableName]: tableName,
      [ENV.notificationsQueueUrl]: queueUrl,
      [ENV.notificationsDlqUrl]: dlqUrl,
      [ENV.allowPrivateWebhooks]: 'true',
      [ENV.webhookRetryDelaysSeconds]: '0',
      [ENV.webhookTimeoutMs]: '2000',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'wink-test',
    });
    const { handler } = await import('../../functions/notifier/handler.ts');
    poller = new SqsPoller(sqs, { queueUrl, queueArn: 'arn:aws:sqs:us-east-1:000000000000:notifications', functionName: 'notifier', handler: handler as SqsHandler });
    store = new WinkStore(createDocumentClient(), tableName);
    // Powertools writes INFO/WARN to stdout and ERROR to stderr, one JSON object a line.
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try { logs.push(JSON.parse(line)); } catch { /* not a log line */ }
      }
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });

  afterAll(() => {
    vi.restoreAllMocks();
    sqs?.destroy();
  });

  const seed = async (sessionId: string, webhookUrl: string) => {
    await store.createSession({
      sessionId, agentId: 'a', task: 't', constraints: [], policy: {}, ownerKeyHash: 'h', createdAt: new Date().toISOString(),
      detection: initialDetectionState(), llmTokens: 0, version: 0, webhookUrl, webhookSecret: 'whsec_test',
    }, Date.now());
    await store.recordInterventionOnce({
      interventionId: `iv_${sessionId}`, sessionId, episodeId: 'ep_1', category: 'reasoning_problem', subtype: 'action_loop',
      guidance: 'Stop looping', evidence: { stepIndexes: [1, 2] }, createdAt: new Date().toISOString(), delivery: { status: 'pending', attempts: 0 },
    }, Date.now());
  };
  const send = (sessionId: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sessionId, episodeId: 'ep_1' }) }));
  const depth = async (url: string) => Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages ?? 0);

  it('logs its own store failure with session, episode and cause, and does not spend a webhook attempt on it', async () => {
    const receiver = await startWebhookReceiver([200]);
    await send('s-own');
    expect(await poller.pollOnce(0)).toBe(1);
    const failure = logs.find((log) => log.level === 'ERROR' && log.sessionId === 's-own');
    expect(failure).toMatchObject({ episodeId: 'ep_1', operation: 'read', webhookCalled: false, cause: expect.stringMatching(/non-existent table|not found|ResourceNotFound/i) });
    expect(receiver.received).toHaveLength(0);

    // The store comes back; the same message (received a second time) makes attempt 1, not 2.
    const dynamo = new DynamoDBClient({});
    await dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
    dynamo.destroy();
    await seed('s-own', receiver.url);
    expect(await poller.pollOnce(0)).toBe(1);
    expect((await store.getIntervention('s-own', 'ep_1'))?.delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(receiver.received).toHaveLength(1);
    await receiver.close();
  });

  it('logs each failed attempt with its cause and dead-letters the message after the last one', async () => {
    const receiver = await startWebhookReceiver([500, 500]);
    await seed('s-fail', receiver.url);
    await send('s-fail');
    expect(await poller.pollOnce(0)).toBe(1);
    expect(await poller.pollOnce(0)).toBe(1);
    expect(logs.filter((log) => log.sessionId === 's-fail').map((log) => [log.level, log.episodeId, log.attempt, log.cause])).toEqual([
      ['WARN', 'ep_1', 1, 'HTTP 500'],
      ['ERROR', 'ep_1', 2, 'HTTP 500'],
    ]);
    expect((await store.getIntervention('s-fail', 'ep_1'))?.delivery).toMatchObject({ status: 'failed', attempts: 2, lastResult: 'http_5xx' });
    expect(await depth(queueUrl)).toBe(0);
    expect(await depth(dlqUrl)).toBe(1);
    await receiver.close();
  });
});
