import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';
import { createQueueWithDlq } from './queues.ts';
import { WinkFunction } from './winkFunction.ts';

/** Receives of one step message before it is dead-lettered (a poison step must not block its session forever). */
export const STEPS_MAX_RECEIVE_COUNT = 5;
/** AWS's advice for queues driving Lambda: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

export interface LlmJudgeSettings {
  /** The secret holding the LLM API key; only its ARN reaches the function. */
  readonly apiKeySecret: ISecret;
  readonly model: string;
  readonly baseUrl: string;
}

export interface StepPipelineProps {
  readonly entry: string;
  readonly table: ITable;
  /** Where the detector sends interventions for delivery. */
  readonly notificationsQueue: IQueue;
  /** Days before stored steps and verdicts expire. */
  readonly retentionDays: number;
  /** How long a gap in step indexes holds back later steps. @default 30 */
  readonly stepGapWaitSeconds?: number;
  /** Detection thresholds as JSON (shared/detection/config.ts). @default the built-in thresholds */
  readonly detectionConfigJson?: string;
  /** @default no LLM judge: deterministic detectors only */
  readonly llm?: LlmJudgeSettings;
  /** Messages per detector invocation; FIFO queues allow at most 10. @default 10 */
  readonly batchSize?: number;
  /**
   * Lambda refuses a batching window on FIFO queues, so only zero (or nothing) is accepted:
   * the detector sees a session's steps as they come, in order. @default none
   */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent detector invocations, 2–1000. @default 10 */
  readonly maxConcurrency?: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default VISIBILITY_TO_TIMEOUT_RATIO × timeout; a smaller value is refused */
  readonly visibilityTimeout?: Duration;
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Steps flow from the API into a FIFO queue (message group = session, deduplication id =
 * `<sessionId>:<index>`) that drives the detector in order within each session. High-throughput
 * FIFO (deduplication and throughput limit per message group) lets throughput grow with the number
 * of active sessions instead of being capped per queue; Lambda scales by message group, bounded by
 * maxConcurrency.
 */
export class StepPipeline extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: WinkFunction;

  constructor(scope: Construct, id: string, props: StepPipelineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    const visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(timeout.toSeconds() * VISIBILITY_TO_TIMEOUT_RATIO);
    validate(props, timeout, visibilityTimeout);

    const queues = createQueueWithDlq(this, 'Steps', {
      fifo: true,
      maxReceiveCount: STEPS_MAX_RECEIVE_COUNT,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    this.function = new WinkFunction(this, 'Detector', {
      entry: props.entry,
      description: 'Runs Wink misbehavior detection over each session’s steps, in order',
      memorySize: props.memorySize ?? 1024,
      timeout,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.stepsQueueUrl]: this.queue.queueUrl,
        [ENV.notificationsQueueUrl]: props.notificationsQueue.queueUrl,
        [ENV.stepGapWaitSeconds]: String(props.stepGapWaitSeconds ?? 30),
        [ENV.retentionDays]: String(props.retentionDays),
        ...(props.detectionConfigJson ? { [ENV.detectionConfig]: props.detectionConfigJson } : {}),
        ...(props.llm
          ? {
              [ENV.llmBaseUrl]: props.llm.baseUrl,
              [ENV.llmModel]: props.llm.model,
              [ENV.llmApiKeySecretArn]: props.llm.apiKeySecret.secretArn,
            }
          : {}),
      },
    });

    const detector = this.function.fn;
    props.table.grantReadWriteData(detector);
    // Includes sqs:ChangeMessageVisibility, which holds back steps behind a gap in indexes.
    this.queue.grantConsumeMessages(detector);
    props.notificationsQueue.grantSendMessages(detector);
    props.llm?.apiKeySecret.grantRead(detector);

    detector.addEventSource(
      new SqsEventSource(this.queue, {
        reportBatchItemFailures: true,
        batchSize: props.batchSize ?? 10,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
  }
}

function validate(props: StepPipelineProps, timeout: Duration, visibilityTimeout: Duration): void {
  if ((props.maxBatchingWindow?.toSeconds() ?? 0) > 0) {
    throw new Error('maxBatchingWindow must be 0: the steps queue is FIFO and Lambda allows no batching window on FIFO queues');
  }
  const batchSize = props.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`batchSize must be an integer between 1 and 10 for a FIFO queue, got ${batchSize}`);
  }
  const maxConcurrency = props.maxConcurrency ?? 10;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
    throw new Error(`maxConcurrency must be an integer between 2 and 1000, got ${maxConcurrency}`);
  }
  const minimumVisibility = timeout.toSeconds() * VISIBILITY_TO_TIMEOUT_RATIO;
  if (visibilityTimeout.toSeconds() < minimumVisibility) {
    throw new Error(
      `visibilityTimeout (${visibilityTimeout.toSeconds()} s) must be at least ${VISIBILITY_TO_TIMEOUT_RATIO} × the detector timeout (${minimumVisibility} s)`,
    );
  }
  if (visibilityTimeout.toSeconds() > 43_200) throw new Error('visibilityTimeout cannot exceed 12 hours (SQS limit)');
  if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
    throw new Error(`retentionDays must be a positive integer, got ${props.retentionDays}`);
  }
  // The detector holds a step back with ChangeMessageVisibility, which SQS caps at 12 hours.
  if (props.stepGapWaitSeconds !== undefined && (props.stepGapWaitSeconds < 0 || props.stepGapWaitSeconds > 43_200)) {
    throw new Error(`stepGapWaitSeconds must be between 0 and 43200, got ${props.stepGapWaitSeconds}`);
  }
}
