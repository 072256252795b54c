import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { acknowledgeNagFinding } from '../nag.ts';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';
import { WinkFunction } from './winkFunction.ts';

/** The whole public contract; every route goes to the one ingest function. */
export const WINK_ROUTES: ReadonlyArray<{ readonly method: HttpMethod; readonly path: string }> = [
  { method: HttpMethod.POST, path: '/v1/sessions' },
  { method: HttpMethod.POST, path: '/v1/sessions/{sessionId}/steps' },
  { method: HttpMethod.GET, path: '/v1/sessions/{sessionId}' },
  { method: HttpMethod.DELETE, path: '/v1/sessions/{sessionId}' },
  { method: HttpMethod.GET, path: '/v1/sessions/{sessionId}/interventions' },
  { method: HttpMethod.POST, path: '/v1/sessions/{sessionId}/webhook-secret' },
  { method: HttpMethod.POST, path: '/v1/integrations/claude-code/hooks' },
  { method: HttpMethod.GET, path: '/v1/openapi.json' },
  { method: HttpMethod.POST, path: '/v1/sessions/{sessionId}/end' },
  { method: HttpMethod.GET, path: '/v1/experiments/{name}' },
];

/** One JSON object per request; HTTP API context variables. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

export interface IngestApiProps {
  /** The ingest handler module (`functions/ingest/handler.ts`). */
  readonly entry: string;
  /** The Wink table: API keys, sessions and steps. */
  readonly table: ITable;
  /** Where accepted steps are announced to the detector. */
  readonly stepsQueue: IQueue;
  /** Days before stored steps expire. */
  readonly retentionDays: number;
  /** Steady-state requests per second across the stage. @default 50 */
  readonly throttleRateLimit?: number;
  /** Requests the stage absorbs in a burst. @default 100 */
  readonly throttleBurstLimit?: number;
  /**
   * Per-key requests and per-tenant session creations per minute, counted in the table by the
   * function (shared/limits); the stage throttling above caps the whole API. 0 turns one off.
   * @default { requestsPerKey: 6000, sessionsPerTenant: 600 } (DEFAULT_RATE_LIMITS)
   */
  readonly rateLimits?: { readonly requestsPerKey?: number; readonly sessionsPerTenant?: number };
  /** Mode, experiment and idle time for sessions that name none (see README "Experiments"). @default active, none, 24 h */
  readonly sessionDefaults?: { readonly mode?: 'active' | 'shadow'; readonly experiment?: Record<string, unknown>; readonly idleHours?: number };
  /** @default 512 */
  /**
   * JSON of operators' own secret patterns, passed as WINK_SECRET_PATTERNS (validated at cold start).
   * @default none: the built-in rules only
   */
  readonly secretPatternsJson?: string;
  readonly memorySize?: number;
  /** Below the HTTP API's 30 s integration limit, above the 20 s interventions long-poll. @default Duration.seconds(25) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The public HTTP API: an API Gateway HTTP API whose routes (WINK_ROUTES) all go to the ingest function
 * (payload format 2.0), on a `$default` stage with throttling and JSON access logs. CORS is off:
 * agents call it server to server.
 *
 * Authentication is the ingest function's first act: it hashes the caller's key and looks up
 * `APIKEY#<sha256>` in the table, caching the answer in memory. That is what a Lambda authorizer
 * with result caching would do, one network hop shorter, and every refusal carries Wink's own
 * `{error:{code,message}}` body with a 401 before anything else is looked at. Request size: HTTP
 * APIs cap bodies at 10 MB; the function enforces Wink's tighter limits and answers 413 itself.
 */
export class IngestApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly function: WinkFunction;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const rateLimit = props.throttleRateLimit ?? 50;
    const burstLimit = props.throttleBurstLimit ?? 100;
    const timeout = props.timeout ?? Duration.seconds(25);
    validate(props, rateLimit, burstLimit, timeout);
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.function = new WinkFunction(this, 'Ingest', {
      entry: props.entry,
      description: 'Wink HTTP API: authenticates agents, stores sessions and steps, queues steps for detection',
      memorySize: props.memorySize ?? 512,
      timeout,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      logRemovalPolicy,
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.stepsQueueUrl]: props.stepsQueue.queueUrl,
        [ENV.retentionDays]: String(props.retentionDays),
        ...(props.rateLimits?.requestsPerKey !== undefined ? { [ENV.rateLimitRequestsPerMinute]: String(props.rateLimits.requestsPerKey) } : {}),
        ...(props.rateLimits?.sessionsPerTenant !== undefined ? { [ENV.rateLimitSessionsPerMinute]: String(props.rateLimits.sessionsPerTenant) } : {}),
        ...(props.sessionDefaults?.mode ? { [ENV.defaultMode]: props.sessionDefaults.mode } : {}),
        ...(props.sessionDefaults?.experiment ? { [ENV.defaultExperiment]: JSON.stringify(props.sessionDefaults.experiment) } : {}),
        ...(props.sessionDefaults?.idleHours ? { [ENV.sessionIdleHours]: String(props.sessionDefaults.idleHours) } : {}),
        ...(props.secretPatternsJson ? { [ENV.secretPatterns]: props.secretPatternsJson } : {}),
      },
    });
    props.table.grantReadWriteData(this.function.fn);
    props.stepsQueue.grantSendMessages(this.function.fn);

    this.api = new HttpApi(this, 'Api', {
      description: 'Wink: ingests coding-agent steps and serves interventions',
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Ingest', this.function.fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    const routes = WINK_ROUTES.flatMap((route) => this.api.addRoutes({ path: route.path, methods: [route.method], integration }));

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });

    for (const route of routes) {
      acknowledgeNagFinding(
        route,
        'AwsSolutions-APIG4',
        'Agents are authenticated by the ingest function itself (hashed API key looked up in DynamoDB and cached, like a cached Lambda authorizer) so every refusal is a uniform 401 JSON body; see docs/deploy.md.',
      );
    }
  }

  /** The base URL agents call, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}

function validate(props: IngestApiProps, rateLimit: number, burstLimit: number, timeout: Duration): void {
  if (!(rateLimit > 0)) throw new Error(`throttleRateLimit must be positive, got ${rateLimit}`);
  if (!Number.isInteger(burstLimit) || burstLimit < 1) throw new Error(`throttleBurstLimit must be a positive integer, got ${burstLimit}`);
  for (const [name, limit] of Object.entries(props.rateLimits ?? {})) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`rateLimits.${name} must be a whole number ≥ 0 (0 = off), got ${limit}`);
  }
  if (timeout.toSeconds() > 29) throw new Error(`timeout must be at most 29 s (the HTTP API integration limit), got ${timeout.toSeconds()} s`);
  if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
    throw new Error(`retentionDays must be a positive integer, got ${props.retentionDays}`);
  }
}
