import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sha256Hex } from '../canonicalJson.ts';

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
  return new SQSClient({ useQueueUrlAsEndpoint: false });
}

export class StepsQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  /**
   * FIFO: grouped by session so one session's batches are processed in order and never
   * concurrently; deduplicated on session + the exact set of indexes, so a client retrying the
   * same request within SQS's 5-minute window does not wake the detector twice.
   */
  async send(message: StepsMessage): Promise<void> {
    const indexes = [...message.indexes].sort((a, b) => a - b);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ sessionId: message.sessionId, indexes }),
        MessageGroupId: message.sessionId,
        MessageDeduplicationId: sha256Hex(`${message.sessionId}:${indexes.join(',')}`).slice(0, 64),
      }),
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
