import { App, Duration, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, InlineCode, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { IngestApi } from '../../infra/constructs/ingestApi.ts';
import type { IngestApiProps } from '../../infra/constructs/ingestApi.ts';
import { Monitoring } from '../../infra/constructs/monitoring.ts';
import type { MonitoringProps } from '../../infra/constructs/monitoring.ts';
import { Notifier } from '../../infra/constructs/notifier.ts';
import type { NotifierProps } from '../../infra/constructs/notifier.ts';
import { createQueueWithDlq, validateEventSourceSettings } from '../../infra/constructs/queues.ts';
import { StepPipeline } from '../../infra/constructs/stepPipeline.ts';
import type { StepPipelineProps } from '../../infra/constructs/stepPipeline.ts';
import { VerdictStore } from '../../infra/constructs/verdictStore.ts';
import { WinkFunction } from '../../infra/constructs/winkFunction.ts';
import type { WinkFunctionProps } from '../../infra/constructs/winkFunction.ts';
import { acknowledgeNagFinding } from '../../infra/nag.ts';
import { handlerEntry as entry } from '../../infra/paths.ts';
import { ENV } from '../../shared/config.ts';

/** A bare stack (bundling skipped) with the table the constructs need. */
function scaffold() {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
  const table = new VerdictStore(stack, 'Store').table;
  return { stack, table };
}

describe('WinkFunction', () => {
  const build = (props: Partial<WinkFunctionProps>) => new WinkFunction(scaffold().stack, 'Fn', { entry: entry('ingest'), description: 'test', ...props });

  it('accepts sensible props', () => {
    expect(() => build({ memorySize: 512, timeout: Duration.seconds(30) })).not.toThrow();
  });

  it('refuses memory or timeout outside what Lambda allows', () => {
    expect(() => build({ memorySize: 64 })).toThrow(/memorySize must be an integer between 128 and 10240/);
    expect(() => build({ timeout: Duration.minutes(16) })).toThrow(/timeout must be between 1 and 900 seconds/);
  });

  it('refuses an environment variable that would carry a secret value', () => {
    expect(() => build({ environment: { [ENV.llmApiKey]: 'sk-live' } })).toThrow(/secret's value/);
  });
});

describe('StepPipeline', () => {
  const build = (props: Partial<StepPipelineProps>) => {
    const { stack, table } = scaffold();
    return new StepPipeline(stack, 'Steps', { entry: entry('detector'), table, notificationsQueue: new Queue(stack, 'N'), retentionDays: 30, ...props });
  };

  it('accepts sensible props and derives the visibility timeout from the detector timeout', () => {
    const pipeline = build({ timeout: Duration.seconds(20), batchSize: 5, maxConcurrency: 2 });
    Template.fromStack(Stack.of(pipeline)).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 120 });
  });

  it('makes the steps queue FIFO (and its DLQ), and refuses batches a FIFO event source cannot take', () => {
    const template = Template.fromStack(Stack.of(build({ batchSize: 4 })));
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 4 });
    expect(() => build({ batchSize: 11 })).toThrow(/batchSize must be an integer between 1 and 10 \(a FIFO queue\)/);
    expect(() => validateEventSourceSettings(5, Duration.seconds(2), 10, true)).toThrow(/FIFO queue takes no maxBatchingWindow/);
  });

  it('refuses batch sizes and concurrency Lambda would reject', () => {
    expect(() => build({ batchSize: 0 })).toThrow(/batchSize must be an integer/);
    expect(() => build({ maxConcurrency: 1 })).toThrow(/maxConcurrency/);
    expect(() => build({ timerMaxConcurrency: 1 })).toThrow(/maxConcurrency/);
  });

  it('refuses a detector timeout that leaves no room for one detection run', () => {
    expect(() => build({ timeout: Duration.seconds(10) })).toThrow(/leaves no room for one detection run: it must be above 10 s/);
  });

  it('refuses a visibility timeout below six times the detector timeout', () => {
    expect(() => build({ timeout: Duration.seconds(60), visibilityTimeout: Duration.seconds(300) })).toThrow(/at least 6 × the detector timeout/);
  });
});

describe('Notifier', () => {
  const build = (props: Partial<NotifierProps>) => {
    const { stack, table } = scaffold();
    return new Notifier(stack, 'Notifier', { entry: entry('notifier'), table, ...props });
  };

  it('refuses retry delays SQS cannot wait out', () => {
    expect(() => build({ retryDelaysSeconds: [5, 50_000] })).toThrow(/retry delays must be whole seconds/);
    expect(() => build({ retryDelaysSeconds: [] })).toThrow(/at least one delay/);
  });

  it('refuses a webhook timeout that does not fit in the function timeout', () => {
    expect(() => build({ timeout: Duration.seconds(10), webhookTimeoutMs: 10_000 })).toThrow(/webhookTimeoutMs/);
    expect(() => build({ timeout: Duration.seconds(10), webhookTimeoutMs: 5_000 })).not.toThrow();
  });

  it('refuses batch settings Lambda would reject', () => {
    expect(() => build({ batchSize: 50 })).toThrow(/needs a maxBatchingWindow/);
    expect(() => build({ maxConcurrency: 1001 })).toThrow(/maxConcurrency/);
  });
});

describe('IngestApi', () => {
  const build = (props: Partial<IngestApiProps>) => {
    const { stack, table } = scaffold();
    return new IngestApi(stack, 'Api', { entry: entry('ingest'), table, stepsQueue: new Queue(stack, 'S'), retentionDays: 30, ...props });
  };

  it('refuses throttling that would close the API and timeouts above the integration limit', () => {
    expect(() => build({})).not.toThrow();
    expect(() => build({ throttleRateLimit: 0 })).toThrow(/throttleRateLimit must be positive/);
    expect(() => build({ throttleBurstLimit: 0 })).toThrow(/throttleBurstLimit/);
    expect(() => build({ timeout: Duration.seconds(30) })).toThrow(/at most 29 s/);
  });

  it('passes per-key and per-tenant rate limits to the function, refusing negative or fractional ones', () => {
    const api = build({ rateLimits: { requestsPerKey: 120, sessionsPerTenant: 0 } });
    expect(Template.fromStack(Stack.of(api)).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { WINK_RATE_LIMIT_REQUESTS_PER_MINUTE: '120', WINK_RATE_LIMIT_SESSIONS_PER_MINUTE: '0' } } },
    })).not.toEqual({});
    expect(() => build({ rateLimits: { requestsPerKey: -1 } })).toThrow(/rateLimits.requestsPerKey must be a whole number/);
    expect(() => build({ rateLimits: { sessionsPerTenant: 1.5 } })).toThrow(/rateLimits.sessionsPerTenant/);
  });
});

describe('Monitoring', () => {
  const build = (props: Partial<MonitoringProps>) => {
    const { stack } = scaffold();
    const fn = new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: new InlineCode('exports.handler=()=>{}') });
    const stage = new HttpStage(stack, 'Stage', { httpApi: new HttpApi(stack, 'Api', { createDefaultStage: false }) });
    return new Monitoring(stack, 'Monitoring', {
      functions: [{ name: 'Fn', fn }],
      queues: [{ name: 'Q', queue: new Queue(stack, 'Q'), deadLetterQueue: new Queue(stack, 'Dlq'), maxAge: Duration.minutes(5) }],
      apiStage: stage,
      misbehaviorRateThreshold: 0.05,
      deliveryFailureRateThreshold: 0.1,
      ...props,
    });
  };

  it('accepts fractions in (0, 1] and a valid email', () => {
    expect(() => build({ misbehaviorRateThreshold: 1, alarmEmail: 'ops@example.com' })).not.toThrow();
  });

  it('refuses rate thresholds that are not fractions', () => {
    expect(() => build({ misbehaviorRateThreshold: 5 })).toThrow(/misbehaviorRateThreshold is a fraction/);
    expect(() => build({ deliveryFailureRateThreshold: 0 })).toThrow(/deliveryFailureRateThreshold is a fraction/);
  });

  it('refuses a malformed alarm email and an empty function list', () => {
    expect(() => build({ alarmEmail: 'ops at example' })).toThrow(/alarmEmail/);
    expect(() => build({ functions: [] })).toThrow(/at least one function/);
  });
});

describe('helpers', () => {
  it('createQueueWithDlq refuses a maxReceiveCount SQS would reject', () => {
    expect(() => createQueueWithDlq(scaffold().stack, 'Q', { maxReceiveCount: 0, visibilityTimeout: Duration.seconds(30), retentionPeriod: Duration.days(1) })).toThrow(
      /maxReceiveCount/,
    );
  });

  it('a cdk-nag acknowledgment needs a real reason', () => {
    expect(() => acknowledgeNagFinding(scaffold().stack, 'AwsSolutions-SQS3', 'ok')).toThrow(/needs a written reason/);
  });
});
