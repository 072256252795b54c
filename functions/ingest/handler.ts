import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { ApiKeyAuthenticator } from '../../shared/api/authenticate.ts';
import { handleApiRequest } from '../../shared/api/routes.ts';
import { createObservability } from '../../shared/observability.ts';
import { readApiConfig } from '../../shared/apiConfig.ts';
import { httpErrorHandler, jsonResponse } from '../../shared/middleware/httpErrorHandler.ts';
import { StepsQueue, createSqsClient } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { ClaudeCodeLinkStore } from '../../shared/store/claudeCodeLinks.ts';
import { resolveAll } from '../../shared/webhook/postWebhook.ts';
import { ExperimentStore } from '../../shared/store/experimentStore.ts';
import { RateLimiter } from '../../shared/limits/rateLimits.ts';
import { DynamoWindowCounter } from '../../shared/store/rateLimitStore.ts';
import { SessionEraser } from '../../shared/store/sessionEraser.ts';
import { createSecretScrubber } from '../../shared/secrets/scrubber.ts';

const config = readApiConfig();
const scrubber = createSecretScrubber(config.secretRules);
const { logger, metrics } = createObservability(scrubber);
const documentClient = createDocumentClient();
const store = new WinkStore(documentClient, config.tableName, config.retentionDays);
const deps = {
  store,
  claudeCodeLinks: new ClaudeCodeLinkStore(documentClient, config.tableName, config.retentionDays),
  experiments: new ExperimentStore(documentClient, config.tableName, config.retentionDays),
  authenticator: new ApiKeyAuthenticator(store),
  rateLimiter: new RateLimiter(new DynamoWindowCounter(documentClient, config.tableName), config.rateLimits, Date.now,
    (error: unknown) => logger.warn('Rate-limit counter unavailable; request let through', { error })),
  sessionEraser: new SessionEraser(documentClient, config.tableName, config.retentionDays),
  stepsQueue: new StepsQueue(createSqsClient(), config.stepsQueueUrl),
  now: Date.now,
  scrubber,
  allowPrivateWebhooks: config.allowPrivateWebhooks,
  resolveWebhookHost: async (hostname: string) => (await resolveAll(hostname)).map((entry) => entry.address),
  defaultMode: config.defaultMode,
  sessionIdleMs: config.sessionIdleHours * 3_600_000,
  ...(config.defaultExperiment ? { defaultExperiment: config.defaultExperiment } : {}),
  onStepsAccepted: (count: number) => metrics.addMetric('StepsIngested', MetricUnit.Count, count),
  onSessionCreated: (arm?: string) => {
    metrics.addMetric('SessionsCreated', MetricUnit.Count, 1);
    if (arm) metrics.singleMetric().addDimension('Arm', arm).addMetric('SessionsCreated', MetricUnit.Count, 1);
  },
  onHookError: (error: unknown) => logger.error('Claude Code hook answered {} after an internal error', { error }),
};

/** The HTTP API (all routes): translate the API Gateway event, run the contract, answer JSON. */
async function apiHandler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const body = event.body !== undefined && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const response = await handleApiRequest(deps, {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers: event.headers ?? {},
    query: Object.fromEntries(new URLSearchParams(event.rawQueryString ?? '')),
    ...(body !== undefined ? { body } : {}),
  });
  return response.statusCode === 204 ? { statusCode: 204 } : jsonResponse(response.statusCode, response.body);
}

// First .use() is outermost: context-aware logging wraps metrics flushing wraps error mapping.
export const handler = middy(apiHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrorHandler({ logger }));
