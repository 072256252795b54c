import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';
import { STEPS_MAX_RECEIVE_COUNT } from '../../shared/queue/sqsQueues.ts';
import { createQueueWithDlq, validateEventSourceSettings } from './queues.ts';
import { WinkFunction } from './winkFunction.ts';

/** AWS's advice for queues driving Lambda: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

export interface LlmJudgeSettings {
  /** The secret holding the LLM API key; only its ARN reaches the function. */
  readonly apiKeySecret: ISecret;
  /** Model name the judge asks, e.g. `gpt-4o-mini`. */
  readonly model: string;
  /** An OpenAI-compatible API base URL. */
  readonly baseUrl: string;
}

export interface StepPipelineProps {
  /** The detector handler module (`functions/detector/handler.ts`). */
  readonly entry: string;
  /** The Wink table: steps, detection state, verdicts, episodes, interventions. */
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
  /** Messages per detector invocation, 1–10000; above 10 needs a batching window. @default 10 */
  readonly batchSize?: number;
  /** Wait to fill a batch; it delays detection by as much. @default none */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent detector invocations, 2–1000. @default 10 */
  readonly maxConcurrency?: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default VISIBILITY_TO_TIMEOUT_RATIO × timeout; a smaller value is refused */
  readonly visibilityTimeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Steps flow from the API into a standard queue that drives the detector. Each message only wakes
 * the detector for a session; the steps themselves are read from DynamoDB in index order, detection
 * state is saved with a version check and interventions are written once per episode, so duplicate,
 * out-of-order and concurrent deliveries are harmless. It is not FIFO on purpose: a session waiting
 * for a missing step hides its own message for the gap wait, and in a FIFO group that would also
 * hold back the message carrying the missing step. Standard queues have no throughput cap; Lambda
 * scales up to maxConcurrency.
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
        ...(props.maxBatchingWindow && props.maxBatchingWindow.toSeconds() > 0 ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
  }
}

function validate(props: StepPipelineProps, timeout: Duration, visibilityTimeout: Duration): void {
  validateEventSourceSettings(props.batchSize ?? 10, props.maxBatchingWindow, props.maxConcurrency ?? 10);
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
