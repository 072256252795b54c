import { Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WINK_ROUTES } from '../../infra/constructs/ingestApi.ts';
import { ENV } from '../../shared/config.ts';
import { tableDefinition, TTL_ATTRIBUTE } from '../../shared/store/tableDefinition.ts';
import { NOTIFIER_OWN_FAILURE_RECEIVES, WEBHOOK_MAX_ATTEMPTS } from '../../shared/webhook/retryPolicy.ts';
import { CONFIGURED_CONTEXT, resourceNamed, resourcesOf, synthWinkTemplate } from './synth.ts';

// Two synths shared by every test in the file: cdk.json defaults, and a fully configured deployment.
let defaults: Template;
let configured: Template;
beforeAll(() => {
  defaults = synthWinkTemplate();
  configured = synthWinkTemplate(CONFIGURED_CONTEXT);
});

const fn = (template: Template, name: 'IngestApiIngest' | 'StepPipelineDetector' | 'Notifier') =>
  resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
const envOf = (template: Template, name: Parameters<typeof fn>[1]) => fn(template, name).resource.Properties.Environment.Variables as Record<string, unknown>;
const queue = (template: Template, name: 'StepPipelineStepsQueue' | 'StepPipelineStepsDeadLetterQueue' | 'StepPipelineStepTimerQueue' | 'StepPipelineStepTimerDeadLetterQueue' | 'NotifierNotificationsQueue' | 'NotifierNotificationsDeadLetterQueue') =>
  resourceNamed(template, 'AWS::SQS::Queue', name);
const policyOf = (template: Template, rolePrefix: string) =>
  resourceNamed(template, 'AWS::IAM::Policy', `${rolePrefix}RoleDefaultPolicy`).resource.Properties.PolicyDocument.Statement as Array<{
    Action: string | string[];
    Effect: string;
    Resource: unknown;
  }>;
const actionsOn = (statements: ReturnType<typeof policyOf>, logicalId: string) =>
  statements.filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId}"`)).flatMap((statement) => [statement.Action].flat());

describe('verdict store table', () => {
  it('is on demand, with PITR, encryption, the TTL attribute and the same keys the code creates locally', () => {
    const local = tableDefinition('any');
    defaults.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: local.KeySchema,
        AttributeDefinitions: local.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    defaults.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('follows the removal policy and deletion protection from context', () => {
    configured.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('step pipeline', () => {
  it('steps queue is FIFO (one group per session: one detection run per session at a time), high-throughput, encrypted, redriving to a FIFO DLQ after 5 receives', () => {
    const steps = queue(defaults, 'StepPipelineStepsQueue').resource.Properties;
    const dlq = queue(defaults, 'StepPipelineStepsDeadLetterQueue');
    expect(steps).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(dlq.resource.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('step timer queue (gap-wait wake-ups) is a standard queue, encrypted, redriving to its DLQ after 5 receives', () => {
    const timer = queue(defaults, 'StepPipelineStepTimerQueue').resource.Properties;
    const dlq = queue(defaults, 'StepPipelineStepTimerDeadLetterQueue');
    expect(timer.FifoQueue).toBeUndefined();
    expect(timer).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('steps queue visibility timeout is at least six times the detector timeout', () => {
    for (const template of [defaults, configured]) {
      const visibility = queue(template, 'StepPipelineStepsQueue').resource.Properties.VisibilityTimeout as number;
      const timeout = fn(template, 'StepPipelineDetector').resource.Properties.Timeout as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
    expect(fn(configured, 'StepPipelineDetector').resource.Properties.Timeout).toBe(120);
  });

  it('detector reads the steps queue with partial batch failures, batch size 10, bounded concurrency and no batching window, and the timer queue too', () => {
    const detector = fn(defaults, 'StepPipelineDetector');
    defaults.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue(defaults, 'StepPipelineStepsQueue').id, 'Arn'] },
      FunctionName: { Ref: detector.id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    defaults.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue(defaults, 'StepPipelineStepTimerQueue').id, 'Arn'] },
      FunctionName: { Ref: detector.id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('detector gets table, both queue URLs, gap wait and retention; LLM settings only when configured, as a secret ARN', () => {
    const plain = envOf(defaults, 'StepPipelineDetector');
    expect(Object.keys(plain)).toEqual(
      expect.arrayContaining([ENV.tableName, ENV.stepsQueueUrl, ENV.stepTimerQueueUrl, ENV.notificationsQueueUrl, ENV.stepGapWaitSeconds, ENV.retentionDays]),
    );
    expect(plain[ENV.stepGapWaitSeconds]).toBe('30');
    expect(plain[ENV.retentionDays]).toBe('30');
    for (const name of [ENV.llmBaseUrl, ENV.llmModel, ENV.llmApiKeySecretArn, ENV.llmApiKey, ENV.detectionConfig]) expect(plain).not.toHaveProperty(name);

    const withLlm = envOf(configured, 'StepPipelineDetector');
    expect(withLlm).toMatchObject({ [ENV.llmBaseUrl]: 'https://llm.example.com/v1', [ENV.llmModel]: 'judge-model', [ENV.detectionConfig]: '{"loopWindow":8}' });
    expect(JSON.stringify(withLlm[ENV.llmApiKeySecretArn])).toContain(':secret:wink/llm-api-key');
  });
});

describe('notifier', () => {
  it('notifications queue allows the webhook attempts plus a few receives for the notifier\'s own failures', () => {
    const notifications = queue(defaults, 'NotifierNotificationsQueue').resource.Properties;
    const dlq = queue(defaults, 'NotifierNotificationsDeadLetterQueue');
    expect(notifications.FifoQueue).toBeUndefined();
    expect(notifications.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] }, maxReceiveCount: WEBHOOK_MAX_ATTEMPTS + NOTIFIER_OWN_FAILURE_RECEIVES });
    expect(notifications.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn(defaults, 'Notifier').resource.Properties.Timeout as number));
  });

  it('a custom retry schedule changes maxReceiveCount and reaches the notifier', () => {
    expect(queue(configured, 'NotifierNotificationsQueue').resource.Properties.RedrivePolicy.maxReceiveCount).toBe(3 + NOTIFIER_OWN_FAILURE_RECEIVES);
    expect(envOf(configured, 'Notifier')[ENV.webhookRetryDelaysSeconds]).toBe('10,20');
    expect(envOf(defaults, 'Notifier')).not.toHaveProperty(ENV.webhookRetryDelaysSeconds);
  });

  it('notifier reads the notifications queue with partial batch failures and bounded concurrency', () => {
    defaults.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue(defaults, 'NotifierNotificationsQueue').id, 'Arn'] },
      FunctionName: { Ref: fn(defaults, 'Notifier').id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(Object.keys(envOf(defaults, 'Notifier'))).toEqual(expect.arrayContaining([ENV.tableName, ENV.notificationsQueueUrl, ENV.notificationsDlqUrl]));
  });
});

describe('every queue', () => {
  it('denies requests without TLS', () => {
    const queues = Object.keys(resourcesOf(defaults, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(6); // steps, step timer, notifications, each with its DLQ
    for (const id of queues) {
      defaults.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64 with active tracing, source maps, Powertools settings and their own log group', () => {
    const functions = resourcesOf(defaults, 'AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const [id, { Properties: props }] of Object.entries(functions)) {
      expect(props, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringContaining('Logs') } },
        Environment: {
          Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'wink', POWERTOOLS_METRICS_NAMESPACE: 'Wink' },
        },
      });
    }
  });

  it('log groups keep logs for the configured retention and follow the removal policy', () => {
    const retained = Object.values(resourcesOf(defaults, 'AWS::Logs::LogGroup'));
    expect(retained).toHaveLength(4); // three functions + API access logs
    for (const group of retained) expect(group).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
    for (const group of Object.values(resourcesOf(configured, 'AWS::Logs::LogGroup'))) {
      expect(group).toMatchObject({ DeletionPolicy: 'Delete', Properties: { RetentionInDays: 90 } });
    }
  });

  it('ingest gets the table, the steps queue URL and retention, nothing of the notifier', () => {
    const env = envOf(defaults, 'IngestApiIngest');
    expect(Object.keys(env)).toEqual(expect.arrayContaining([ENV.tableName, ENV.stepsQueueUrl, ENV.retentionDays]));
    expect(env).not.toHaveProperty(ENV.notificationsQueueUrl);
  });

  it('no function environment holds a secret value, only the secret ARN', () => {
    for (const template of [defaults, configured]) {
      for (const { Properties: props } of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
        const variables = props.Environment.Variables as Record<string, unknown>;
        expect(variables).not.toHaveProperty(ENV.llmApiKey);
        expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager|SecretString/);
      }
    }
    expect(JSON.stringify(configured.toJSON())).not.toContain('{{resolve:secretsmanager');
  });
});

describe('least privilege', () => {
  const allStatements = (template: Template) =>
    Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Effect: string; Resource: unknown }>,
    );

  it('no Allow statement names a wildcard action, in identity or resource policies', () => {
    for (const template of [defaults, configured]) {
      const resourcePolicies = [
        ...Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy')),
        ...Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy')),
        ...Object.values(resourcesOf(template, 'AWS::KMS::Key')).map((key) => ({ Properties: { PolicyDocument: key.Properties.KeyPolicy } })),
      ].flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Effect: string; Principal?: unknown }>);
      const allows = [...allStatements(template), ...resourcePolicies].filter((statement) => statement.Effect === 'Allow');
      // The one exception AWS requires: a KMS key policy must let the account administer its key,
      // or the key becomes unmanageable (CDK's and AWS's default key policy).
      const isKeyAdminStatement = (statement: { Action: string | string[]; Principal?: unknown }) =>
        statement.Action === 'kms:*' && JSON.stringify(statement.Principal).includes(':root');
      const wildcards = allows.filter((statement) => !isKeyAdminStatement(statement)).flatMap((s) => [s.Action].flat()).filter((action) => action.includes('*'));
      expect(allows.length).toBeGreaterThan(5);
      expect(wildcards).toEqual([]);
    }
  });

  it('"*" resources only for X-Ray, whose actions have no resource-level permissions', () => {
    const starActions = allStatements(configured)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => [statement.Action].flat());
    expect(new Set(starActions)).toEqual(new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });

  it('roles carry no managed policies (log writing is granted on each function’s own log group)', () => {
    for (const role of Object.values(resourcesOf(defaults, 'AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('each function reaches only its own queues', () => {
    const steps = queue(configured, 'StepPipelineStepsQueue').id;
    const timer = queue(configured, 'StepPipelineStepTimerQueue').id;
    const notifications = queue(configured, 'NotifierNotificationsQueue').id;
    const ingest = policyOf(configured, 'IngestApiIngest');
    const detector = policyOf(configured, 'StepPipelineDetector');
    const notifier = policyOf(configured, 'Notifier');

    expect(actionsOn(ingest, steps)).toContain('sqs:SendMessage');
    expect(actionsOn(ingest, steps)).not.toContain('sqs:ReceiveMessage');
    expect(actionsOn(ingest, notifications)).toEqual([]);

    // The detector also sends into the steps queue: due gap wake-ups and a backlog's continuation.
    expect(actionsOn(detector, steps)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']));
    expect(actionsOn(detector, timer)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']));
    expect(actionsOn(ingest, timer)).toEqual([]);
    expect(actionsOn(notifier, timer)).toEqual([]);
    expect(actionsOn(detector, notifications)).toContain('sqs:SendMessage');
    expect(actionsOn(detector, notifications)).not.toContain('sqs:ReceiveMessage');

    expect(actionsOn(notifier, notifications)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility']));
    expect(actionsOn(notifier, steps)).toEqual([]);
    // After the last webhook attempt the notifier moves the message to its DLQ itself.
    expect(actionsOn(notifier, queue(configured, 'NotifierNotificationsDeadLetterQueue').id)).toContain('sqs:SendMessage');
  });

  it('only the detector may read the LLM secret, and only when one is configured', () => {
    const readsSecret = (statements: ReturnType<typeof policyOf>) =>
      statements.filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
    const detectorReads = readsSecret(policyOf(configured, 'StepPipelineDetector'));
    expect(detectorReads).toHaveLength(1);
    expect(JSON.stringify(detectorReads[0]!.Resource)).toContain(':secret:wink/llm-api-key');
    expect(readsSecret(policyOf(configured, 'IngestApiIngest'))).toEqual([]);
    expect(readsSecret(policyOf(configured, 'Notifier'))).toEqual([]);
    expect(JSON.stringify(allStatements(defaults))).not.toContain('secretsmanager:');
  });
});

describe('HTTP API', () => {
  it('routes the whole contract to the ingest function with payload format 2.0 and no authorizer or CORS', () => {
    const routeKeys = Object.values(resourcesOf(defaults, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(WINK_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    expect(routeKeys).toEqual(
      expect.arrayContaining(['POST /v1/sessions', 'POST /v1/sessions/{sessionId}/steps', 'GET /v1/sessions/{sessionId}', 'GET /v1/sessions/{sessionId}/interventions']),
    );
    defaults.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [fn(defaults, 'IngestApiIngest').id, 'Arn'] },
    });
    defaults.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
    defaults.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('stage throttles as configured and writes JSON access logs to its log group', () => {
    const accessLogs = resourceNamed(defaults, 'AWS::Logs::LogGroup', 'IngestApiAccessLogs').id;
    defaults.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [accessLogs, 'Arn'] }, Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
    configured.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 } });
  });

  it('outputs what a deployer needs: the API URL and the table name', () => {
    expect(Object.keys(defaults.toJSON().Outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'TableName', 'AlarmTopicArn', 'DashboardName']));
  });
});

describe('synthesis', () => {
  it('is environment-agnostic and deterministic', () => {
    const again = synthWinkTemplate();
    expect(again.toJSON()).toEqual(defaults.toJSON());
    expect(JSON.stringify(defaults.toJSON())).toContain('"Ref":"AWS::Region"');
  });
});
