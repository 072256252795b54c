import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARM_METRICS, VERDICTS_METRIC, WINK_METRIC } from '../../infra/constructs/monitoring.ts';
import { PROJECT_ROOT } from '../../infra/paths.ts';
import { CATEGORIES } from '../../shared/taxonomy.ts';
import { CONFIGURED_CONTEXT, resourceNamed, resourcesOf, synthWinkTemplate } from './synth.ts';

let defaults: Template;
let configured: Template;
beforeAll(() => {
  defaults = synthWinkTemplate();
  configured = synthWinkTemplate(CONFIGURED_CONTEXT);
});

type MetricQuery = { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] }; Period: number; Stat: string } };
const alarm = (template: Template, name: string) => resourceNamed(template, 'AWS::CloudWatch::Alarm', `Monitoring${name}Alarm`).resource.Properties;
const winkDimension = [{ Name: 'service', Value: 'wink' }];

describe('rate alarms', () => {
  it('misbehavior rate = InterventionsCreated / StepsIngested over 5 minutes, threshold from context', () => {
    const props = alarm(defaults, 'MisbehaviorRate');
    const queries = props.Metrics as MetricQuery[];
    const expression = queries.find((query) => query.Expression)!;
    const byId = Object.fromEntries(queries.filter((query) => query.MetricStat).map((query) => [query.Id, query.MetricStat!]));

    expect(expression.Expression).toMatch(/FILL\(interventions, 0\) \/ steps/);
    expect(byId.interventions).toEqual({ Metric: { Namespace: 'Wink', MetricName: 'InterventionsCreated', Dimensions: winkDimension }, Period: 300, Stat: 'Sum' });
    expect(byId.steps).toEqual({ Metric: { Namespace: 'Wink', MetricName: 'StepsIngested', Dimensions: winkDimension }, Period: 300, Stat: 'Sum' });
    expect(props).toMatchObject({ Threshold: 0.05, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(alarm(configured, 'MisbehaviorRate').Threshold).toBe(0.2);
  });

  it('webhook failure rate = DeliveryFailed / (DeliverySucceeded + DeliveryFailed), threshold from context', () => {
    const props = alarm(defaults, 'DeliveryFailureRate');
    const queries = props.Metrics as MetricQuery[];
    const names = Object.fromEntries(queries.filter((query) => query.MetricStat).map((query) => [query.Id, query.MetricStat!.Metric.MetricName]));

    expect(queries.find((query) => query.Expression)!.Expression).toContain('FILL(failed, 0) / (FILL(succeeded, 0) + FILL(failed, 0))');
    expect(names).toEqual({ succeeded: 'DeliverySucceeded', failed: 'DeliveryFailed' });
    expect(props.Threshold).toBe(0.1);
    expect(alarm(configured, 'DeliveryFailureRate').Threshold).toBe(0.3);
  });
});

describe('queue alarms', () => {
  it('every dead-letter queue alarms as soon as it holds a message', () => {
    const dlqs = Object.entries(resourcesOf(defaults, 'AWS::SQS::Queue')).filter(([id]) => id.includes('DeadLetterQueue'));
    expect(dlqs).toHaveLength(3); // steps, step timer, notifications
    const dlqAlarms = Object.values(resourcesOf(defaults, 'AWS::CloudWatch::Alarm')).filter(
      (candidate) => candidate.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    for (const [id] of dlqs) {
      const watching = dlqAlarms.filter((candidate) => JSON.stringify(candidate.Properties.Dimensions).includes(`"${id}"`));
      expect(watching, id).toHaveLength(1);
      expect(watching[0]!.Properties).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('both work queues alarm on the age of their oldest message', () => {
    const steps = resourceNamed(defaults, 'AWS::SQS::Queue', 'StepPipelineStepsQueue').id;
    const notifications = resourceNamed(defaults, 'AWS::SQS::Queue', 'NotifierNotificationsQueue').id;
    for (const [name, queueId, threshold] of [
      ['StepsOldestMessageAge', steps, 600],
      ['NotificationsOldestMessageAge', notifications, 3600],
    ] as const) {
      const props = alarm(defaults, name);
      expect(props).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: threshold });
      expect(JSON.stringify(props.Dimensions)).toContain(`"${queueId}"`);
    }
  });
});

describe('function alarms', () => {
  it('each function alarms on any error and any throttle', () => {
    const functionIds = Object.keys(resourcesOf(defaults, 'AWS::Lambda::Function'));
    const alarms = Object.values(resourcesOf(defaults, 'AWS::CloudWatch::Alarm'));
    for (const functionId of functionIds) {
      for (const metricName of ['Errors', 'Throttles']) {
        const matching = alarms.filter(
          (candidate) => candidate.Properties.MetricName === metricName && JSON.stringify(candidate.Properties.Dimensions).includes(`"${functionId}"`),
        );
        expect(matching, `${metricName} of ${functionId}`).toHaveLength(1);
        expect(matching[0]!.Properties).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      }
    }
  });
});

describe('API alarm', () => {
  it('alarms on any 5xx from the stage, since ingest turns its own failures into 500 responses', () => {
    const apiId = resourceNamed(defaults, 'AWS::ApiGatewayV2::Api', 'IngestApi').id;
    const props = alarm(defaults, 'ApiServerErrors');

    expect(props).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Period: 300, Threshold: 1 });
    expect(props.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(props.Dimensions).toEqual(expect.arrayContaining([{ Name: 'ApiId', Value: { Ref: apiId } }, { Name: 'Stage', Value: '$default' }]));
  });
});

describe('alarm topic', () => {
  it('every alarm notifies the topic on alarm and on recovery', () => {
    const topicId = resourceNamed(defaults, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id;
    const alarms = Object.values(resourcesOf(defaults, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(15); // 2 rates + 3 queues × (DLQ, age) + 3 functions × (errors, throttles) + API 5xx
    for (const { Properties: props } of alarms) {
      expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(props.OKActions).toEqual([{ Ref: topicId }]);
      expect(props.AlarmDescription).toEqual(expect.any(String));
    }
  });

  it('is encrypted with a rotating key CloudWatch may use, and TLS-only', () => {
    const key = resourceNamed(defaults, 'AWS::KMS::Key', 'MonitoringAlarmTopicKey');
    expect(key.resource.Properties.EnableKeyRotation).toBe(true);
    expect(key.resource.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
    );
    defaults.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } });
    const topicPolicy = Object.values(resourcesOf(defaults, 'AWS::SNS::TopicPolicy'))[0]!;
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets CloudWatch publish, but only for this account’s alarms (the topic policy replaces SNS’s default one)', () => {
    const topicId = resourceNamed(defaults, 'AWS::SNS::Topic', 'MonitoringAlarmTopic').id;
    const topicPolicy = Object.values(resourcesOf(defaults, 'AWS::SNS::TopicPolicy'))[0]!.Properties;
    const allows = (topicPolicy.PolicyDocument.Statement as Array<Record<string, any>>).filter((statement) => statement.Effect === 'Allow');

    expect(topicPolicy.Topics).toEqual([{ Ref: topicId }]);
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(allows[0]!.Condition.ArnLike['aws:SourceArn'])).toMatch(/:cloudwatch:.*:alarm:\*/);
  });

  it('subscribes the alarm email only when one is configured', () => {
    defaults.resourceCountIs('AWS::SNS::Subscription', 0);
    configured.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('dashboard', () => {
  it('charts every Wink metric, verdicts per category, and the alarms', () => {
    const body = JSON.stringify(Object.values(resourcesOf(defaults, 'AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const metricName of [...Object.values(WINK_METRIC), VERDICTS_METRIC]) expect(body).toContain(`\\"${metricName}\\"`);
    for (const category of CATEGORIES) expect(body).toContain(`\\"category\\",\\"${category}\\"`);
    expect(body).toContain('alarm');
  });

  it('compares treatment and control: each arm metric by the Arm dimension', () => {
    const body = JSON.stringify(Object.values(resourcesOf(defaults, 'AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    expect(body).toContain('Experiments: treatment vs control');
    for (const metricName of ARM_METRICS) {
      for (const arm of ['treatment', 'control']) expect(body).toContain(`\\"${metricName}\\",\\"Arm\\",\\"${arm}\\",\\"service\\",\\"wink\\"`);
    }
  });
});

describe('metrics the alarms and dashboard depend on', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [readFileSync(join(dir, entry.name), 'utf8')] : [],
    );

  it('are published by the handlers under the same names (an alarm on a metric nobody emits never fires)', () => {
    const code = [...sources(join(PROJECT_ROOT, 'functions')), ...sources(join(PROJECT_ROOT, 'shared'))].join('\n');
    for (const metricName of Object.values(WINK_METRIC)) expect(code, metricName).toMatch(new RegExp(`['"\`]${metricName}['"\`]`));
    expect(code).toMatch(new RegExp(`addDimension\\(\\s*['"]category['"][\\s\\S]{0,120}['"]${VERDICTS_METRIC}['"]`));
    // The arm metrics go through one helper per handler, each adding the Arm dimension.
    expect(code.match(/addDimension\(\s*['"]Arm['"]/g)?.length).toBe(2);
  });
});
