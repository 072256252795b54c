import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { STEPS_MAX_RECEIVE_COUNT } from '../shared/queue/sqsQueues.ts';
import { tableDefinition } from '../shared/store/tableDefinition.ts';

export interface LocalResources {
  tableName: string;
  stepsQueueUrl: string;
  stepsQueueArn: string;
  stepsDlqUrl: string;
  stepTimerQueueUrl: string;
  stepTimerQueueArn: string;
  stepTimerDlqUrl: string;
  notificationsQueueUrl: string;
  notificationsQueueArn: string;
  notificationsDlqUrl: string;
}


/**
 * Creates the table and the queues the way infra/ declares them in AWS: the steps queue (FIFO, a
 * message group per session), the step timer queue and the notifications queue (standard), each
 * with a dead-letter queue and a redrive policy.
 */
export async function createLocalResources(
  dynamo: DynamoDBClient,
  sqs: SQSClient,
  options: { prefix: string; notificationsMaxReceiveCount: number; visibilityTimeoutSeconds?: number },
): Promise<LocalResources> {
  const tableName = `${options.prefix}-table`;
  await dynamo.send(new CreateTableCommand(tableDefinition(tableName))).catch((error: unknown) => {
    if (!(error instanceof ResourceInUseException)) throw error;
  });
  const visibility = String(options.visibilityTimeoutSeconds ?? 10);
  const stepsDlq = await createQueue(sqs, `${options.prefix}-steps-dlq.fifo`, { FifoQueue: 'true' });
  const steps = await createQueue(sqs, `${options.prefix}-steps.fifo`, {
    FifoQueue: 'true',
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: stepsDlq.arn, maxReceiveCount: STEPS_MAX_RECEIVE_COUNT }),
  });
  const stepTimerDlq = await createQueue(sqs, `${options.prefix}-step-timer-dlq`, {});
  const stepTimer = await createQueue(sqs, `${options.prefix}-step-timer`, {
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: stepTimerDlq.arn, maxReceiveCount: STEPS_MAX_RECEIVE_COUNT }),
  });
  const notificationsDlq = await createQueue(sqs, `${options.prefix}-notifications-dlq`, {});
  const notifications = await createQueue(sqs, `${options.prefix}-notifications`, {
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: notificationsDlq.arn, maxReceiveCount: options.notificationsMaxReceiveCount }),
  });
  return {
    tableName,
    stepsQueueUrl: steps.url,
    stepsQueueArn: steps.arn,
    stepsDlqUrl: stepsDlq.url,
    stepTimerQueueUrl: stepTimer.url,
    stepTimerQueueArn: stepTimer.arn,
    stepTimerDlqUrl: stepTimerDlq.url,
    notificationsQueueUrl: notifications.url,
    notificationsQueueArn: notifications.arn,
    notificationsDlqUrl: notificationsDlq.url,
  };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}
