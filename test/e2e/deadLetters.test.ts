import { GetQueueAttributesCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { apiClient } from '../support/apiClient.ts';
import { failingLoop } from '../support/steps.ts';
import { eventually, startWebhookReceiver } from '../support/webhookReceiver.ts';

/** What cannot be processed ends in a dead-letter queue, through SQS's own redrive. */
describe('dead-letter queues (fauxqs redrive)', () => {
  let stack: LocalStack;
  let sqs: SQSClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `dlq-${process.pid}`,
      retryDelaysSeconds: [1],
      visibilityTimeoutSeconds: 1,
    });
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  });

  afterAll(async () => {
    sqs?.destroy();
    await stack?.stop();
  });

  const depth = async (queueUrl: string) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  it('dead-letters a poison steps message after its retries, and keeps processing other sessions', async () => {
    await sqs.send(new SendMessageCommand({
      QueueUrl: stack.resources.stepsQueueUrl, MessageBody: '{"not":"a steps message"', MessageGroupId: 'poison', MessageDeduplicationId: 'poison-1',
    }));
    await eventually(async () => ((await depth(stack.resources.stepsDlqUrl)) === 1 ? true : undefined), 20_000, 'the poison message in the DLQ');

    const api = apiClient(stack.url, stack.apiKey);
    const { body } = await api.createSession({ agentId: 'a', task: 't' });
    await api.postSteps(body.sessionId, { steps: failingLoop(3) });
    await eventually(async () => ((await api.getInterventions(body.sessionId)).body.interventions.length === 1 ? true : undefined), 15_000, 'detection');
  });

  it('records a webhook delivery as failed after its last attempt and dead-letters the notification', async () => {
    const receiver = await startWebhookReceiver(Array(10).fill(500));
    const api = apiClient(stack.url, stack.apiKey);
    const { body } = await api.createSession({ agentId: 'a', task: 't', webhook: { url: receiver.url } });
    await api.postSteps(body.sessionId, { steps: failingLoop(3) });

    await eventually(async () => ((await depth(stack.resources.notificationsDlqUrl)) === 1 ? true : undefined), 20_000, 'the notification in the DLQ');
    const summary = (await api.getSession(body.sessionId)).body;
    expect(summary.interventions[0].delivery).toMatchObject({ status: 'failed', attempts: 2, lastResult: 'http_5xx' });
    expect(receiver.received).toHaveLength(2);
    // The intervention is still there for polling.
    expect((await api.getInterventions(body.sessionId)).body.interventions).toHaveLength(1);
    await receiver.close();
  });
});
