import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { announceAwsClient } from '../awsClientHooks.ts';

/**
 * Receives of one steps message before SQS dead-letters it: a poison message must not come back
 * forever (it holds its session's group while it does), while a crashed invocation must not lose a
 * wake-up.
 */
export const STEPS_MAX_RECEIVE_COUNT = 5;

/** SQS's longest DelaySeconds. A longer gap wait is reached by delaying the timer again. */
export const MAX_TIMER_DELAY_SECONDS = 900;

/** The steps queue's message: a wake-up for a session whose new steps are stored in DynamoDB. */
export interface StepsMessage {
  sessionId: string;
  /** The indexes this request stored; empty for a wake-up that carries no steps (a gap timer). */
  indexes: number[];
}

/** The step timer queue's message: wake the session's detection up at `wakeAtMs`. */
export interface StepTimerMessage {
  sessionId: string;
  wakeAtMs: number;
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

/**
 * The steps queue is FIFO with one message group per session: SQS never hands two consumers
 * messages of the same group at once, and Lambda's FIFO event source processes a group in order,
 * so one detection run per session at a time is the design rather than something a version check
 * sorts out afterwards. Groups of different sessions run in parallel (up to maxConcurrency).
 *
 * Every send gets its own deduplication id: two requests carrying the same indexes are two
 * wake-ups (cheap; the second finds them observed), and the SDK's own retry of one send reuses
 * the id, so a send that succeeded but timed out is not doubled.
 */
export class StepsQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  async send(message: StepsMessage): Promise<void> {
    const indexes = [...message.indexes].sort((a, b) => a - b);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ sessionId: message.sessionId, indexes }),
        MessageGroupId: message.sessionId,
        MessageDeduplicationId: randomUUID(),
      }),
    );
  }
}

/**
 * Gap waits. A FIFO queue has no per-message delay, and a message held in flight holds its whole
 * group — including the message that brings the missing step. So a run that must wait for a gap
 * finishes its message and schedules a wake-up here instead: a standard queue, whose DelaySeconds
 * (at most 15 minutes; longer waits are delayed again) brings the wake-up back, and whose consumer
 * forwards it into the session's FIFO group. The run that follows happens in order, like any other.
 */
export class StepTimerQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  async schedule(sessionId: string, wakeAtMs: number, nowMs: number): Promise<void> {
    const message: StepTimerMessage = { sessionId, wakeAtMs };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: timerDelaySeconds(wakeAtMs, nowMs) }),
    );
  }
}

export function timerDelaySeconds(wakeAtMs: number, nowMs: number): number {
  return Math.max(0, Math.min(MAX_TIMER_DELAY_SECONDS, Math.ceil((wakeAtMs - nowMs) / 1000)));
}

export class NotificationsQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  async send(message: NotificationMessage): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

/** Moves a message to its dead-letter queue by hand (the caller then reports it done, which deletes it). */
export async function sendToDeadLetterQueue(sqs: SQSClient, deadLetterQueueUrl: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: body }));
}

/** Hides an in-flight message for `seconds`, so that its retry comes no sooner (webhook backoff). */
export async function delayRedelivery(sqs: SQSClient, queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.max(0, Math.min(43_200, Math.ceil(seconds))),
    }),
  );
}
