import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';
import { JUDGE_DEFAULTS } from '../../shared/judge/config.ts';
import { RUN_TIME_RESERVE_WITHOUT_JUDGE_MS } from '../../shared/pipeline/detectSession.ts';
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
  /** Steps messages per detector invocation, 1–10 (the steps queue is FIFO; no batching window). @default 10 */
  readonly batchSize?: number;
  /** Concurrent detector invocations on the steps queue, 2–1000: at most this many sessions are detected at once. @default 10 */
  readonly maxConcurrency?: number;
  /** Concurrent invocations forwarding gap-wait wake-ups from the step timer queue, 2–1000. @default 2 */
  readonly timerMaxConcurrency?: number;
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
 * Steps flow from the API into a FIFO queue with one message group per session, which drives the
 * detector. Each message only wakes detection for its session (the steps are read from DynamoDB in
 * index order). SQS never hands two consumers messages of one group at once and Lambda's FIFO event
 * source keeps a group in order, so one detection run per session at a time is the design: a burst
 * to one session no longer races ten workers into version conflicts, while different sessions run
 * in parallel up to maxConcurrency (high-throughput FIFO: limits are per group).
 *
 * A gap in step indexes must not hold the group (the message bringing the missing step is in it),
 * and FIFO queues have no per-message delay: the run finishes its message and puts a wake-up on
 * the step timer queue (standard, DelaySeconds), whose messages the same function forwards into
 * the session's group when they come due. The detector's version-checked commit stays as the
 * safety net for a run that outlives its visibility timeout.
 */
export class StepPipeline extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  /** Gap-wait wake-ups, delayed, forwarded into the steps queue when due. */
  public readonly timerQueue: Queue;
  public readonly timerDeadLetterQueue: Queue;
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
      fifo: true,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    const timers = createQueueWithDlq(this, 'StepTimer', {
      maxReceiveCount: STEPS_MAX_RECEIVE_COUNT,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
    });
    this.timerQueue = timers.queue;
    this.timerDeadLetterQueue = timers.deadLetterQueue;

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
        [ENV.stepTimerQueueUrl]: this.timerQueue.queueUrl,
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
    this.queue.grantConsumeMessages(detector);
    this.timerQueue.grantConsumeMessages(detector);
    // A due wake-up and a backlog's continuation go into the session's group; a gap schedules a timer.
    this.queue.grantSendMessages(detector);
    this.timerQueue.grantSendMessages(detector);
    props.notificationsQueue.grantSendMessages(detector);
    props.llm?.apiKeySecret.grantRead(detector);

    detector.addEventSource(
      new SqsEventSource(this.queue, {
        reportBatchItemFailures: true,
        batchSize: props.batchSize ?? 10,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
    detector.addEventSource(
      new SqsEventSource(this.timerQueue, {
        reportBatchItemFailures: true,
        batchSize: 10,
        maxConcurrency: props.timerMaxConcurrency ?? 2,
      }),
    );
  }
}

function validate(props: StepPipelineProps, timeout: Duration, visibilityTimeout: Duration): void {
  validateEventSourceSettings(props.batchSize ?? 10, undefined, props.maxConcurrency ?? 10, true);
  validateEventSourceSettings(10, undefined, props.timerMaxConcurrency ?? 2);
  // The detector starts a record only with time for a whole run left (judge included).
  const runSeconds = (RUN_TIME_RESERVE_WITHOUT_JUDGE_MS + (props.llm ? JUDGE_DEFAULTS.timeoutMs : 0)) / 1000;
  if (timeout.toSeconds() <= runSeconds) {
    throw new Error(`timeout (${timeout.toSeconds()} s) leaves no room for one detection run: it must be above ${runSeconds} s${props.llm ? ' with the LLM judge' : ''}`);
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
  // Kept to SQS's 12-hour visibility cap, as before; the timer re-delays waits beyond 15 minutes.
  if (props.stepGapWaitSeconds !== undefined && (props.stepGapWaitSeconds < 0 || props.stepGapWaitSeconds > 43_200)) {
    throw new Error(`stepGapWaitSeconds must be between 0 and 43200, got ${props.stepGapWaitSeconds}`);
  }
}
