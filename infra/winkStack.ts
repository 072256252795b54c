import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { WinkConfig } from './config.ts';
import { IngestApi } from './constructs/ingestApi.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Notifier } from './constructs/notifier.ts';
import { StepPipeline } from './constructs/stepPipeline.ts';
import { VerdictStore } from './constructs/verdictStore.ts';
import { handlerEntry as entry } from './paths.ts';

export interface WinkStackProps extends StackProps {
  readonly config: WinkConfig;
}

/**
 * Wink in one stack: the HTTP API, the step pipeline (steps queue → detector), the notifier
 * (queue → webhook deliveries), one DynamoDB table, and the alarms and dashboard over them.
 * Environment-agnostic and lookup-free, so `cdk synth` is deterministic and works offline.
 */
export class WinkStack extends Stack {
  public readonly store: VerdictStore;
  public readonly ingestApi: IngestApi;
  public readonly stepPipeline: StepPipeline;
  public readonly notifier: Notifier;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: WinkStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = config.logRetentionDays as RetentionDays; // one of the allowed values (config.ts checks)

    this.store = new VerdictStore(this, 'Store', { deletionProtection: config.deletionProtection, removalPolicy });
    const table = this.store.table;

    this.notifier = new Notifier(this, 'Notifier', {
      entry: entry('notifier'),
      table,
      ...(config.webhookRetryDelaysSeconds ? { retryDelaysSeconds: config.webhookRetryDelaysSeconds } : {}),
      ...(config.webhookTimeoutMs ? { webhookTimeoutMs: config.webhookTimeoutMs } : {}),
      batchSize: config.notifierBatchSize,
      maxBatchingWindow: Duration.seconds(config.notifierMaxBatchingWindowSeconds),
      maxConcurrency: config.notifierMaxConcurrency,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    // Referenced by name: no lookup at synth time; the ARN (never the value) reaches the detector.
    const llm = config.llmSecretName
      ? {
          apiKeySecret: Secret.fromSecretNameV2(this, 'LlmApiKey', config.llmSecretName),
          model: config.llmModel,
          baseUrl: config.llmBaseUrl,
        }
      : undefined;
    this.stepPipeline = new StepPipeline(this, 'StepPipeline', {
      entry: entry('detector'),
      table,
      notificationsQueue: this.notifier.queue,
      retentionDays: config.retentionDays,
      stepGapWaitSeconds: config.stepGapWaitSeconds,
      ...(config.detectionConfig ? { detectionConfigJson: JSON.stringify(config.detectionConfig) } : {}),
      ...(llm ? { llm } : {}),
      batchSize: config.detectorBatchSize,
      maxConcurrency: config.detectorMaxConcurrency,
      timeout: Duration.seconds(config.detectorTimeoutSeconds),
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    this.ingestApi = new IngestApi(this, 'IngestApi', {
      entry: entry('ingest'),
      table,
      stepsQueue: this.stepPipeline.queue,
      retentionDays: config.retentionDays,
      throttleRateLimit: config.apiThrottleRateLimit,
      throttleBurstLimit: config.apiThrottleBurstLimit,
      rateLimits: { requestsPerKey: config.rateLimitRequestsPerMinute, sessionsPerTenant: config.rateLimitSessionsPerMinute },
      sessionDefaults: {
        mode: config.defaultMode,
        ...(config.defaultExperiment ? { experiment: config.defaultExperiment } : {}),
        idleHours: config.sessionIdleHours,
      },
      ...(config.secretPatterns ? { secretPatternsJson: JSON.stringify(config.secretPatterns) } : {}),
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: [
        { name: 'Ingest', fn: this.ingestApi.function.fn },
        { name: 'Detector', fn: this.stepPipeline.function.fn },
        { name: 'Notifier', fn: this.notifier.function.fn },
      ],
      queues: [
        {
          name: 'Steps',
          queue: this.stepPipeline.queue,
          deadLetterQueue: this.stepPipeline.deadLetterQueue,
          maxAge: Duration.seconds(config.stepsQueueMaxAgeSeconds),
        },
        {
          name: 'StepTimer',
          queue: this.stepPipeline.timerQueue,
          deadLetterQueue: this.stepPipeline.timerDeadLetterQueue,
          // A wake-up waits out the gap as a delay, then is forwarded at once.
          maxAge: Duration.seconds(config.stepsQueueMaxAgeSeconds),
        },
        {
          name: 'Notifications',
          queue: this.notifier.queue,
          deadLetterQueue: this.notifier.deadLetterQueue,
          maxAge: Duration.seconds(config.notificationsQueueMaxAgeSeconds),
        },
      ],
      apiStage: this.ingestApi.stage,
      misbehaviorRateThreshold: config.misbehaviorRateThreshold,
      misbehaviorRateMinSteps: config.misbehaviorRateMinSteps,
      deliveryFailureRateThreshold: config.deliveryFailureRateThreshold,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      removalPolicy,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.ingestApi.url, description: 'Base URL agents send sessions and steps to' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'For scripts/create-api-key.ts --table' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn, description: 'Subscribe more endpoints to Wink alarms here' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}
