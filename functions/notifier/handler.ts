import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createObservability } from '../../shared/observability.ts';
import { readNotifierConfig } from '../../shared/config.ts';
import { DeliveryStoreError, deliverIntervention } from '../../shared/pipeline/deliverIntervention.ts';
import { parseNotificationMessage } from '../../shared/queue/messages.ts';
import { createSqsClient, delayRedelivery, sendToDeadLetterQueue } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';
import { postWebhook } from '../../shared/webhook/postWebhook.ts';

const config = readNotifierConfig();
const { logger, metrics } = createObservability();
const sqs = createSqsClient();
const deps = {
  store: new WinkStore(createDocumentClient(), config.tableName),
  post: (url: string, body: string, headers: Record<string, string>) =>
    // Locally the receiver is on this machine; everywhere else only public addresses are reached.
    postWebhook(url, body, headers, { timeoutMs: config.timeoutMs, ...(config.allowPrivateWebhooks ? { isBlockedAddress: () => false } : {}) }),
  retryDelaysSeconds: config.retryDelaysSeconds,
  now: Date.now,
};
const processor = new BatchProcessor(EventType.SQS);

class DeliveryRetryError extends Error {
  override readonly name = 'DeliveryRetryError';
}

/**
 * Every failure is logged with its session, episode and cause. The webhook's failures use up
 * attempts (counted in the table); Wink's own (DeliveryStoreError) do not: the record just fails
 * and comes back after the visibility timeout.
 */
async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseNotificationMessage(record.body);
  const ids = { sessionId: message.sessionId, episodeId: message.episodeId };
  let outcome;
  try {
    outcome = await deliverIntervention(deps, message);
  } catch (error) {
    metrics.addMetric('NotifierErrors', MetricUnit.Count, 1);
    const own = error instanceof DeliveryStoreError;
    logger.error('Notifier failed on its own; not counted as a webhook attempt, retried after the visibility timeout', {
      ...ids,
      cause: own ? error.message : (error as Error).message,
      ...(own ? { operation: error.operation, webhookCalled: error.posted } : {}),
      error,
    });
    throw error;
  }
  switch (outcome.status) {
    case 'delivered':
      metrics.addMetric('DeliverySucceeded', MetricUnit.Count, 1);
      return;
    case 'rejected':
      metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
      logger.warn('Webhook delivery failed for good; not retried', { ...ids, attempt: outcome.attempt, cause: outcome.reason });
      return;
    case 'retry':
      logger.warn('Webhook attempt failed; retrying', { ...ids, attempt: outcome.attempt, cause: outcome.reason, retryAfterSeconds: outcome.retryAfterSeconds });
      await delayRedelivery(sqs, config.notificationsQueueUrl, record.receiptHandle, outcome.retryAfterSeconds);
      throw new DeliveryRetryError(`Attempt ${outcome.attempt} failed (${outcome.reason}); retrying in ${outcome.retryAfterSeconds} s`);
    case 'exhausted':
      metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
      logger.error('Webhook delivery failed on its last attempt; dead-lettering', { ...ids, attempt: outcome.attempt, cause: outcome.reason });
      // By hand: SQS's maxReceiveCount also counts receives that Wink's own failures caused.
      await sendToDeadLetterQueue(sqs, config.notificationsDlqUrl, record.body);
      return;
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
