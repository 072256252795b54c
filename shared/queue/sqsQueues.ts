import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { announceAwsClient } from '../awsClientHooks.ts';

/**
 * Receives of one steps message before SQS dead-letters it: a poison message must not come back
 * forever, while a gap wait (at most two receives) or a crashed invocation must not lose a wake-up.
 */
export const STEPS_MAX_RECEIVE_COUNT = 5;

/** The steps queue's message: a wake-up for a session whose new steps are stored in DynamoDB. */
export interface StepsMessage {
  sessionId: string;
  indexes: number[];
}

/** The notifications queue's message: an intervention to deliver. */
export interface NotificationMessage {
  sessionId: string;
  episodeId: string;
}

/**
 * One client per container. Requests go to the configured endpoint (AWS_ENDPOINT_URL_SQS locally)
 * rather than the queue URL's host, which for local servers is not resolvable.
 */
export function createSqsClient(): SQSClient {
  return announceAwsClient(new SQSClient({ useQueueUrlAsEndpoint: false }), 'sqs');
}

export class StepsQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  /**
   * A standard queue, on purpose: a session waiting for a missing step hides its own message for
   * the gap wait, and in a FIFO group that would also hold back the very message carrying the
   * missing step. Ordering and exactly-once come from elsewhere: steps are read from DynamoDB in
   * index order, detection state is saved with a version check, and interventions are written
   * once per episode — so duplicate and concurrent deliveries are harmless.
   */
  async send(message: StepsMessage): Promise<void> {
    const indexes = [...message.indexes].sort((a, b) => a - b);
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ sessionId: message.sessionId, indexes }) }),
    );
  }
}

export class NotificationsQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  async send(message: NotificationMessage): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

/** Hides an in-flight message for `seconds`, so that its retry comes no sooner (gap wait, webhook backoff). */
export async function delayRedelivery(sqs: SQSClient, queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.max(0, Math.min(43_200, Math.ceil(seconds))),
    }),
  );
}
