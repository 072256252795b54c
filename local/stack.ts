import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSqsClient } from '../shared/queue/sqsQueues.ts';
import { ENV } from '../shared/config.ts';
import { createDocumentClient } from '../shared/store/documentClient.ts';
import { ApiKeyStore } from '../shared/store/apiKeyStore.ts';
import { hashApiKey } from '../shared/tenancy/apiKeys.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS, notificationsMaxReceiveCount } from '../shared/webhook/retryPolicy.ts';
import { startApiServer } from './httpServer.ts';
import { createLocalResources, type LocalResources } from './resources.ts';
import { startLocalServers, type LocalServers } from './servers.ts';
import { SqsPoller } from './sqsPoller.ts';

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. */
  port?: number;
  apiKey?: string;
  /** Reuse already running DynamoDB Local / SQS servers (tests); otherwise they are started here. */
  endpoints?: { dynamoEndpoint: string; sqsEndpoint: string };
  /** Prefix for the table and queue names, so several stacks can share one pair of servers. */
  prefix?: string;
  gapWaitSeconds?: number;
  retryDelaysSeconds?: readonly number[];
  webhookTimeoutMs?: number;
  visibilityTimeoutSeconds?: number;
  logLevel?: string;
  /** Concurrent detector pollers, like the event source's maxConcurrency in AWS. @default 1 */
  detectorWorkers?: number;
  /**
   * Accept and deliver to loopback and private webhook targets (the agent's receiver runs on this
   * machine). false applies the deployed rule (README "Webhook targets"). @default true
   */
  allowPrivateWebhooks?: boolean;
  /** Extra environment for the handlers (detection thresholds, LLM judge …). */
  env?: Record<string, string>;
  /** Wraps each handler as it is wired in (the bench times invocations with it). */
  wrapHandler?: <H extends (...args: never[]) => Promise<unknown>>(functionName: string, handler: H) => H;
}

export interface LocalStack {
  url: string;
  apiKey: string;
  resources: LocalResources;
  endpoints: { dynamoEndpoint: string; sqsEndpoint: string };
  /** The first of `detectorPollers`. */
  detectorPoller: SqsPoller;
  detectorPollers: SqsPoller[];
  notifierPoller: SqsPoller;
  stop(): Promise<void>;
}

/**
 * The whole pipeline on loopback: DynamoDB Local and an SQS-protocol server, the table and queues
 * as infra/ declares them, the ingest handler behind an HTTP server, and the detector and notifier
 * handlers fed by SQS pollers. The handlers are the Lambda handlers themselves, configured through
 * the same environment variables; only the AWS endpoints differ.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const servers: LocalServers | undefined = options.endpoints ? undefined : await startLocalServers();
  const endpoints = options.endpoints ?? { dynamoEndpoint: servers!.dynamoEndpoint, sqsEndpoint: servers!.sqsEndpoint };
  try {
    return await startOnEndpoints(options, endpoints, servers);
  } catch (error) {
    await servers?.stop();
    throw error;
  }
}

async function startOnEndpoints(
  options: LocalStackOptions,
  endpoints: { dynamoEndpoint: string; sqsEndpoint: string },
  servers: LocalServers | undefined,
): Promise<LocalStack> {
  const retryDelays = options.retryDelaysSeconds ?? DEFAULT_RETRY_DELAYS_SECONDS;
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: endpoints.sqsEndpoint,
  });
  const dynamo = new DynamoDBClient({});
  // The pollers stand in for Lambda's event source mappings, whose SQS requests are billed too.
  const sqs = createSqsClient();
  const resources = await createLocalResources(dynamo, sqs, {
    prefix: options.prefix ?? 'wink-local',
    notificationsMaxReceiveCount: notificationsMaxReceiveCount(retryDelays),
    ...(options.visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds } : {}),
  });

  Object.assign(process.env, {
    [ENV.tableName]: resources.tableName,
    [ENV.stepsQueueUrl]: resources.stepsQueueUrl,
    [ENV.stepTimerQueueUrl]: resources.stepTimerQueueUrl,
    [ENV.notificationsQueueUrl]: resources.notificationsQueueUrl,
    [ENV.notificationsDlqUrl]: resources.notificationsDlqUrl,
    [ENV.stepGapWaitSeconds]: String(options.gapWaitSeconds ?? 30),
    [ENV.webhookRetryDelaysSeconds]: retryDelays.join(','),
    [ENV.webhookTimeoutMs]: String(options.webhookTimeoutMs ?? 10_000),
    // Locally the agent and its webhook receiver usually live on this machine.
    [ENV.allowPrivateWebhooks]: String(options.allowPrivateWebhooks ?? true),
    POWERTOOLS_SERVICE_NAME: 'wink',
    POWERTOOLS_METRICS_NAMESPACE: 'Wink',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.WINK_LOG_LEVEL ?? 'WARN',
    ...options.env,
  });

  const apiKey = options.apiKey ?? `wink_local_${randomBytes(16).toString('hex')}`;
  const keys = new ApiKeyStore(createDocumentClient(), resources.tableName);
  // A stack restarted on the same table (tests sharing servers) finds its key there already.
  if (!(await keys.getApiKey(hashApiKey(apiKey)))) await keys.putApiKey({ keyHash: hashApiKey(apiKey), name: 'local', createdAt: new Date().toISOString() });

  // Imported only now: each handler reads its configuration from the environment at load time.
  const [{ handler: ingestHandler }, { handler: detectorHandler }, { handler: notifierHandler }] = await Promise.all([
    import('../functions/ingest/handler.ts'),
    import('../functions/detector/handler.ts'),
    import('../functions/notifier/handler.ts'),
  ]);

  const wrap = options.wrapHandler ?? ((_name, handler) => handler);
  const ingest = wrap('ingest', ingestHandler);
  const detector = wrap('detector', detectorHandler);
  const notifier = wrap('notifier', notifierHandler);

  const onError = (error: unknown) => console.error('[wink-local] poller error:', error);
  const detectorPollers = Array.from({ length: Math.max(1, options.detectorWorkers ?? 1) }, () => new SqsPoller(sqs, {
    queueUrl: resources.stepsQueueUrl, queueArn: resources.stepsQueueArn,
    functionName: 'wink-local-detector', handler: detector, onError,
  }));
  const detectorPoller = detectorPollers[0]!;
  // The same function, fed by the step timer queue too (a second event source in AWS).
  const timerPoller = new SqsPoller(sqs, {
    queueUrl: resources.stepTimerQueueUrl, queueArn: resources.stepTimerQueueArn,
    functionName: 'wink-local-detector', handler: detector, onError,
  });
  const notifierPoller = new SqsPoller(sqs, {
    queueUrl: resources.notificationsQueueUrl, queueArn: resources.notificationsQueueArn,
    functionName: 'wink-local-notifier', handler: notifier, onError,
  });
  const server: Server = await startApiServer(ingest, options.port ?? 8787);
  for (const poller of [...detectorPollers, timerPoller]) poller.start();
  notifierPoller.start();
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    resources,
    endpoints,
    detectorPoller,
    detectorPollers,
    notifierPoller,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...detectorPollers, timerPoller, notifierPoller].map((poller) => poller.stop()));
      dynamo.destroy();
      sqs.destroy();
      await servers?.stop();
    },
  };
}
