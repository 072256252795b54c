import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS, notificationsMaxReceiveCount } from '../../shared/webhook/retryPolicy.ts';
import { createQueueWithDlq, validateEventSourceSettings } from './queues.ts';
import { WinkFunction } from './winkFunction.ts';

/** How long a notification may wait in the queue; far above the longest retry schedule allowed. */
const NOTIFICATION_RETENTION = Duration.days(4);
/** SQS caps a message's visibility timeout, and so one retry delay, at 12 hours. */
const MAX_RETRY_DELAY_SECONDS = 43_200;

export interface NotifierProps {
  /** The notifier handler module (`functions/notifier/handler.ts`). */
  readonly entry: string;
  /** The Wink table: interventions and their delivery records. */
  readonly table: ITable;
  /**
   * Delay before each webhook retry. Its length + 1 is the number of attempts: the notifier counts
   * them in the table, records the final failure on the last one and moves the message to the DLQ.
   * The queue's maxReceiveCount adds a few receives for the notifier's own failures.
   * @default DEFAULT_RETRY_DELAYS_SECONDS (shared/webhook/retryPolicy.ts)
   */
  readonly retryDelaysSeconds?: readonly number[];
  /** Per-attempt webhook timeout passed to the handler. @default the handler's own default */
  readonly webhookTimeoutMs?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** @default no batching window (deliver as soon as a notification arrives) */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent notifier invocations the queue may drive, 2–1000. @default 5 */
  readonly maxConcurrency?: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Delivers guidance to each session's webhook: the notifications queue (standard; the detector
 * sends to it), its DLQ, and the notifier function it drives with partial batch failures.
 */
export class Notifier extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: WinkFunction;
  /** Webhook attempts per notification (the queue's maxReceiveCount allows a few more receives). */
  public readonly maxAttempts: number;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const retryDelays = props.retryDelaysSeconds ?? DEFAULT_RETRY_DELAYS_SECONDS;
    const timeout = props.timeout ?? Duration.seconds(60);
    validate(props, retryDelays, timeout);
    this.maxAttempts = retryDelays.length + 1;

    this.function = new WinkFunction(this, 'Notifier', {
      entry: props.entry,
      description: 'Delivers Wink guidance to session webhooks, retrying on a schedule',
      memorySize: props.memorySize ?? 256,
      timeout,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      environment: {
        [ENV.tableName]: props.table.tableName,
        ...(props.retryDelaysSeconds ? { [ENV.webhookRetryDelaysSeconds]: props.retryDelaysSeconds.join(',') } : {}),
        ...(props.webhookTimeoutMs ? { [ENV.webhookTimeoutMs]: String(props.webhookTimeoutMs) } : {}),
      },
    });

    const queues = createQueueWithDlq(this, 'Notifications', {
      maxReceiveCount: notificationsMaxReceiveCount(retryDelays),
      // AWS's advice for Lambda-driven queues: six times the function timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: NOTIFICATION_RETENTION,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.function.fn.addEnvironment(ENV.notificationsQueueUrl, this.queue.queueUrl);
    this.function.fn.addEnvironment(ENV.notificationsDlqUrl, this.deadLetterQueue.queueUrl);
    this.deadLetterQueue.grantSendMessages(this.function.fn);

    props.table.grantReadWriteData(this.function.fn);
    // Includes sqs:ChangeMessageVisibility, which the notifier uses to wait out a retry delay.
    this.queue.grantConsumeMessages(this.function.fn);
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, {
        reportBatchItemFailures: true,
        batchSize: props.batchSize ?? 10,
        maxConcurrency: props.maxConcurrency ?? 5,
        ...(props.maxBatchingWindow && props.maxBatchingWindow.toSeconds() > 0 ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      }),
    );
  }
}

function validate(props: NotifierProps, retryDelays: readonly number[], timeout: Duration): void {
  if (retryDelays.length === 0) throw new Error('retryDelaysSeconds must hold at least one delay');
  const badDelay = retryDelays.find((delay) => !Number.isInteger(delay) || delay < 0 || delay > MAX_RETRY_DELAY_SECONDS);
  if (badDelay !== undefined) {
    throw new Error(`retry delays must be whole seconds between 0 and ${MAX_RETRY_DELAY_SECONDS} (the SQS visibility limit), got ${badDelay}`);
  }
  const schedule = retryDelays.reduce((sum, delay) => sum + delay, 0);
  if (schedule >= NOTIFICATION_RETENTION.toSeconds()) {
    throw new Error(`the retry schedule (${schedule} s) must end before notifications expire (${NOTIFICATION_RETENTION.toSeconds()} s)`);
  }
  if (props.webhookTimeoutMs !== undefined && props.webhookTimeoutMs >= timeout.toMilliseconds()) {
    throw new Error(`webhookTimeoutMs (${props.webhookTimeoutMs}) must be below the notifier timeout (${timeout.toMilliseconds()} ms)`);
  }
  validateEventSourceSettings(props.batchSize ?? 10, props.maxBatchingWindow, props.maxConcurrency ?? 5);
}
