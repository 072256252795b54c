import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createObservability } from '../../shared/observability.ts';
import { readNotifierConfig } from '../../shared/config.ts';
import { deliverIntervention } from '../../shared/pipeline/deliverIntervention.ts';
import { parseNotificationMessage } from '../../shared/queue/messages.ts';
import { createSqsClient, delayRedelivery } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { postWebhook } from '../../shared/webhook/postWebhook.ts';

const config = readNotifierConfig();
const { logger, metrics } = createObservability();
const sqs = createSqsClient();
const deps = {
  store: new WinkStore(createDocumentClient(), config.tableName),
  post: (url: string, body: string, headers: Record<string, string>) => postWebhook(url, body, headers, config.timeoutMs),
  retryDelaysSeconds: config.retryDelaysSeconds,
  now: Date.now,
};
const processor = new BatchProcessor(EventType.SQS);

class DeliveryRetryError extends Error {
  override readonly name = 'DeliveryRetryError';
}

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseNotificationMessage(record.body);
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const outcome = await deliverIntervention(deps, message, attempt);
  switch (outcome.status) {
    case 'delivered':
      metrics.addMetric('DeliverySucceeded', MetricUnit.Count, 1);
      return;
    case 'rejected':
      metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
      logger.warn('Webhook rejected the intervention; not retried', { ...message });
      return;
    case 'retry':
      await delayRedelivery(sqs, config.notificationsQueueUrl, record.receiptHandle, outcome.retryAfterSeconds);
      throw new DeliveryRetryError(`Attempt ${attempt} failed (${outcome.reason}); retrying in ${outcome.retryAfterSeconds} s`);
    case 'exhausted':
      metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
      logger.error('Webhook delivery failed on its last attempt; dead-lettering', { ...message, reason: outcome.reason });
      throw new DeliveryRetryError(`Attempt ${attempt} failed (${outcome.reason}); no attempts left`);
    default:
      return;
  }
}

export const handler = middy(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
