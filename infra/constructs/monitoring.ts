import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Grant, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CATEGORIES } from '../../shared/taxonomy.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from './winkFunction.ts';

/** The Count metrics the functions publish (Powertools Metrics, EMF), dimension `service` only. */
export const WINK_METRIC = {
  sessionsCreated: 'SessionsCreated',
  stepsIngested: 'StepsIngested',
  interventionsCreated: 'InterventionsCreated',
  deliverySucceeded: 'DeliverySucceeded',
  deliveryFailed: 'DeliveryFailed',
  llmTokens: 'LlmTokens',
  episodesResolved: 'EpisodesResolved',
  episodesPersisted: 'EpisodesPersisted',
} as const;
/** Also published with dimensions {service, Arm} for sessions in an experiment. */
export const ARM_METRICS = [WINK_METRIC.sessionsCreated, WINK_METRIC.interventionsCreated, WINK_METRIC.episodesResolved, WINK_METRIC.episodesPersisted] as const;
/** Published with dimensions {service, category}. */
export const VERDICTS_METRIC = 'Verdicts';

const RATE_PERIOD = Duration.minutes(5);

export interface MonitoredFunction {
  /** Short name used in alarm ids and dashboard titles, e.g. `Ingest`. */
  readonly name: string;
  readonly fn: IFunction;
}

export interface MonitoredQueue {
  /** Short name used in alarm ids and dashboard labels, e.g. `Steps`. */
  readonly name: string;
  /** The work queue, watched for the age of its oldest message. */
  readonly queue: IQueue;
  /** Its dead-letter queue, which alarms as soon as it holds a message. */
  readonly deadLetterQueue: IQueue;
  /** Alarm when the oldest message has waited longer than this. */
  readonly maxAge: Duration;
}

export interface MonitoringProps {
  /** Each gets an errors and a throttles alarm; at least one. */
  readonly functions: readonly MonitoredFunction[];
  /** Each gets a dead-letter and an oldest-message-age alarm. */
  readonly queues: readonly MonitoredQueue[];
  /** The HTTP API stage, for the 5xx alarm and the request charts. */
  readonly apiStage: IHttpStage;
  /** Interventions per ingested step over 5 minutes, in (0, 1]. */
  readonly misbehaviorRateThreshold: number;
  /** Fewer ingested steps than this in a window never alarm. @default 20 */
  readonly misbehaviorRateMinSteps?: number;
  /** Failed deliveries per delivery outcome over 5 minutes, in (0, 1]. */
  readonly deliveryFailureRateThreshold: number;
  /** Subscribed to the alarm topic when given. @default no subscription */
  readonly alarmEmail?: string;
  /** For the topic's KMS key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A Count metric published by Wink's functions, summed over `period`. */
export function winkMetric(metricName: string, label = metricName, period = RATE_PERIOD): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
    statistic: 'Sum',
    period,
    label,
  });
}

/**
 * Alarms on what matters for Wink (misbehavior rate, dead letters, function failures, API 5xx,
 * webhook failures, queue backlog), an encrypted TLS-only SNS topic they notify, and one dashboard.
 */
export class Monitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;
  public readonly misbehaviorRateAlarm: Alarm;
  public readonly deliveryFailureRateAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    validate(props);

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of our own lets it.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Wink alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Wink alarms', masterKey: topicKey, enforceSSL: true });
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one (the one that let
    // this account's alarms publish). Without this Allow, every alarm action fails "not authorized".
    Grant.addToPrincipalOrResource({
      grantee: new ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
        ArnLike: { 'aws:SourceArn': this.alarmArnPattern() },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      actions: ['sns:Publish'],
      resourceArns: [this.topic.topicArn],
      resource: this.topic,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const steps = winkMetric(WINK_METRIC.stepsIngested, 'Steps ingested');
    const interventions = winkMetric(WINK_METRIC.interventionsCreated, 'Interventions');
    const misbehaviorRate = new MathExpression({
      expression: `IF(steps >= ${props.misbehaviorRateMinSteps ?? 20}, FILL(interventions, 0) / steps, 0)`,
      usingMetrics: { steps, interventions },
      period: RATE_PERIOD,
      label: 'Interventions per step',
    });
    this.misbehaviorRateAlarm = this.addAlarm('MisbehaviorRate', misbehaviorRate, {
      threshold: props.misbehaviorRateThreshold,
      description: `More than ${props.misbehaviorRateThreshold} interventions per ingested step over 5 minutes: agents are misbehaving unusually often (or a detector is too eager).`,
    });

    const succeeded = winkMetric(WINK_METRIC.deliverySucceeded, 'Delivered');
    const failed = winkMetric(WINK_METRIC.deliveryFailed, 'Delivery failed');
    const deliveryFailureRate = new MathExpression({
      expression: 'IF(FILL(succeeded, 0) + FILL(failed, 0) > 0, FILL(failed, 0) / (FILL(succeeded, 0) + FILL(failed, 0)), 0)',
      usingMetrics: { succeeded, failed },
      period: RATE_PERIOD,
      label: 'Webhook failure rate',
    });
    this.deliveryFailureRateAlarm = this.addAlarm('DeliveryFailureRate', deliveryFailureRate, {
      threshold: props.deliveryFailureRateThreshold,
      description: `More than ${props.deliveryFailureRateThreshold} of webhook deliveries failed over 5 minutes: receivers are down or rejecting Wink's calls.`,
    });

    for (const { name, queue, deadLetterQueue, maxAge } of props.queues) {
      this.addAlarm(`${name}DeadLetters`, deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }), {
        threshold: 0,
        description: `Messages reached the ${name} dead-letter queue: they failed every attempt. Inspect them, fix the cause, then redrive.`,
      });
      this.addAlarm(`${name}OldestMessageAge`, queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: RATE_PERIOD }), {
        threshold: maxAge.toSeconds(),
        description: `A ${name} message has waited over ${maxAge.toSeconds()} s: the consumer is failing, throttled or too slow.`,
      });
    }

    for (const { name, fn } of props.functions) {
      this.addAlarm(`${name}Errors`, fn.metricErrors({ statistic: 'Sum', period: RATE_PERIOD }), {
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} function failed (uncaught error or timeout) in the last 5 minutes; see its logs.`,
      });
      this.addAlarm(`${name}Throttles`, fn.metricThrottles({ statistic: 'Sum', period: RATE_PERIOD }), {
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} function was throttled in the last 5 minutes: account concurrency is exhausted.`,
      });
    }

    // The ingest function answers its own failures with a 500 (raw errors never reach clients), so
    // they never count as Lambda Errors: the API's 5xx count is what sees them.
    this.addAlarm('ApiServerErrors', props.apiStage.metricServerError({ statistic: 'Sum', period: RATE_PERIOD }), {
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'The HTTP API answered 5xx in the last 5 minutes: ingest failed (DynamoDB, SQS or a bug) and agents got a 500; see the ingest logs.',
    });

    this.dashboard = this.buildDashboard(props, { steps, interventions, misbehaviorRate, succeeded, failed, deliveryFailureRate });
  }

  /** Every CloudWatch alarm of this stack's account and region. */
  private alarmArnPattern(): string {
    return Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private addAlarm(
    id: string,
    metric: IMetric,
    options: { threshold: number; description: string; comparisonOperator?: ComparisonOperator },
  ): Alarm {
    const alarm = new Alarm(this, `${id}Alarm`, {
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Experiments: sessions, interventions (control's are suppressed) and episode outcomes per arm. */
  private armWidget(): GraphWidget {
    const byArm = (metricName: string, arm: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, Arm: arm }, statistic: 'Sum', period: RATE_PERIOD, label: `${metricName} (${arm})` });
    return new GraphWidget({
      title: 'Experiments: treatment vs control (per 5 min)',
      left: ARM_METRICS.flatMap((name) => ['treatment', 'control'].map((arm) => byArm(name, arm))),
      width: 24,
    });
  }

  private buildDashboard(props: MonitoringProps, m: Record<'steps' | 'interventions' | 'succeeded' | 'failed', Metric> & Record<'misbehaviorRate' | 'deliveryFailureRate', MathExpression>): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const verdicts = CATEGORIES.map(
      (category) =>
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: VERDICTS_METRIC,
          dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, category },
          statistic: 'Sum',
          period: RATE_PERIOD,
          label: category,
        }),
    );
    dashboard.addWidgets(
      new TextWidget({ markdown: '# Wink\nAgents → HTTP API → steps queue → detector → notifications queue → notifier → webhooks', width: 24, height: 2 }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Steps, sessions, interventions (per 5 min)', left: [m.steps, winkMetric(WINK_METRIC.sessionsCreated, 'Sessions created'), m.interventions], width: 8 }),
      new GraphWidget({
        title: 'Misbehavior rate (interventions per step)',
        left: [m.misbehaviorRate],
        leftAnnotations: [{ value: props.misbehaviorRateThreshold, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({ title: 'Verdicts by category', left: verdicts, stacked: true, width: 8 }),
    );
    dashboard.addWidgets(this.armWidget());
    dashboard.addWidgets(
      new GraphWidget({ title: 'Webhook deliveries', left: [m.succeeded, m.failed], width: 8 }),
      new GraphWidget({
        title: 'Webhook failure rate',
        left: [m.deliveryFailureRate],
        leftAnnotations: [{ value: props.deliveryFailureRateThreshold, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Episodes and LLM tokens',
        left: [winkMetric(WINK_METRIC.episodesPersisted, 'Episodes persisted'), winkMetric(WINK_METRIC.episodesResolved, 'Episodes resolved')],
        right: [winkMetric(WINK_METRIC.llmTokens, 'LLM tokens')],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue backlog (visible messages)',
        left: props.queues.map(({ name, queue }) => queue.metricApproximateNumberOfMessagesVisible({ label: name, statistic: 'Maximum' })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Age of oldest message (s)',
        left: props.queues.map(({ name, queue }) => queue.metricApproximateAgeOfOldestMessage({ label: name, statistic: 'Maximum' })),
        width: 8,
      }),
      new SingleValueWidget({
        title: 'Dead-letter queues',
        metrics: props.queues.map(({ name, deadLetterQueue }) =>
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${name} DLQ`, statistic: 'Maximum' }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Function errors', left: props.functions.map(({ name, fn }) => fn.metricErrors({ label: name, statistic: 'Sum' })), width: 6 }),
      new GraphWidget({ title: 'Function throttles', left: props.functions.map(({ name, fn }) => fn.metricThrottles({ label: name, statistic: 'Sum' })), width: 6 }),
      new GraphWidget({ title: 'Function duration p99 (ms)', left: props.functions.map(({ name, fn }) => fn.metricDuration({ label: name, statistic: 'p99' })), width: 6 }),
      new GraphWidget({
        title: 'HTTP API',
        left: [props.apiStage.metricCount({ label: 'Requests', statistic: 'Sum' })],
        right: [props.apiStage.metricClientError({ label: '4xx', statistic: 'Sum' }), props.apiStage.metricServerError({ label: '5xx', statistic: 'Sum' })],
        width: 6,
      }),
    );
    return dashboard;
  }
}

function validate(props: MonitoringProps): void {
  for (const [name, value] of [
    ['misbehaviorRateThreshold', props.misbehaviorRateThreshold],
    ['deliveryFailureRateThreshold', props.deliveryFailureRateThreshold],
  ] as const) {
    if (!(value > 0 && value <= 1)) throw new Error(`${name} is a fraction: it must be in (0, 1], got ${value}`);
  }
  const minSteps = props.misbehaviorRateMinSteps ?? 20;
  if (!Number.isInteger(minSteps) || minSteps < 1) throw new Error(`misbehaviorRateMinSteps must be a positive integer, got ${minSteps}`);
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    throw new Error(`alarmEmail is not an email address: ${props.alarmEmail}`);
  }
  if (props.functions.length === 0) throw new Error('Monitoring needs at least one function to watch');
}
