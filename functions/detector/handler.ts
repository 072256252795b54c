import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createObservability } from '../../shared/observability.ts';
import { readDetectorConfig } from '../../shared/config.ts';
import { parseThresholds } from '../../shared/detection/config.ts';
import { loadJudgeApiKey } from '../../shared/judge/apiKeySecret.ts';
import { readJudgeConfig } from '../../shared/judge/config.ts';
import { createJudge, type Judge } from '../../shared/judge/judge.ts';
import { detectSession, type DetectOutcome } from '../../shared/pipeline/detectSession.ts';
import { parseStepsMessage } from '../../shared/queue/messages.ts';
import { NotificationsQueue, createSqsClient, delayRedelivery } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { StaleSessionVersionError, WinkStore } from '../../shared/store/winkStore.ts';

const config = readDetectorConfig();
const { logger, metrics } = createObservability();
const sqs = createSqsClient();
const deps = {
  store: new WinkStore(createDocumentClient(), config.tableName, config.retentionDays),
  notificationsQueue: new NotificationsQueue(sqs, config.notificationsQueueUrl),
  thresholds: parseThresholds(config.detectionConfigJson),
  gapWaitMs: config.stepGapWaitSeconds * 1000,
  now: Date.now,
};
const judgeConfig = readJudgeConfig();
let judge: Judge | undefined;
const processor = new BatchProcessor(EventType.SQS);

/** Steps after a gap are held back: the record is retried once the gap wait has passed. */
class StepGapPendingError extends Error {
  override readonly name = 'StepGapPendingError';
}

/** Runs detection until the session has caught up; each run observes a bounded slice and saves it. */
async function processRecord(record: SQSRecord): Promise<void> {
  const { sessionId } = parseStepsMessage(record.body);
  for (;;) {
    const outcome = await detectSessionWithRetry(sessionId);
    if (outcome.status === 'unknown_session') {
      logger.warn('Steps message for an unknown session; dropped', { sessionId });
      return;
    }
    publishMetrics(outcome);
    if (outcome.waitingForGap) {
      const { missingIndex, retryAfterMs } = outcome.waitingForGap;
      await delayRedelivery(sqs, config.stepsQueueUrl, record.receiptHandle, retryAfterMs / 1000);
      throw new StepGapPendingError(`Session ${sessionId}: step ${missingIndex} is missing; retrying in ${Math.ceil(retryAfterMs / 1000)} s`);
    }
    if (!outcome.more) return;
  }
}

/** After the judge's key could not be fetched, records run without it this long before trying again. */
const JUDGE_RETRY_AFTER_MS = 60_000;
let judgeUnavailableUntil = 0;

/**
 * The judge is created on first use (its key may come from Secrets Manager). If the key cannot be
 * fetched, detection runs on the deterministic detectors alone for a minute, then tries again.
 */
async function currentJudge(): Promise<Judge | undefined> {
  if (!judgeConfig || judge || Date.now() < judgeUnavailableUntil) return judge;
  try {
    judge = createJudge(judgeConfig, { apiKey: await loadJudgeApiKey(judgeConfig) });
  } catch (error) {
    judgeUnavailableUntil = Date.now() + JUDGE_RETRY_AFTER_MS;
    logger.warn('LLM judge unavailable; deterministic detectors only for a minute', { error });
  }
  return judge;
}

/** Losing the version check means another invocation just saved: re-run against its state. */
async function detectSessionWithRetry(sessionId: string, attempts = 3): Promise<DetectOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await detectSession({ ...deps, judge: await currentJudge() }, sessionId);
    } catch (error) {
      if (!(error instanceof StaleSessionVersionError) || attempt >= attempts) throw error;
    }
  }
}

function publishMetrics(outcome: Extract<DetectOutcome, { status: 'processed' }>): void {
  for (const verdict of outcome.observation.verdicts) {
    metrics.singleMetric().addDimension('category', verdict.category).addMetric('Verdicts', MetricUnit.Count, 1);
  }
  if (outcome.recorded.length > 0) metrics.addMetric('InterventionsCreated', MetricUnit.Count, outcome.recorded.length);
  if (outcome.review) {
    metrics.addMetric('LlmTokens', MetricUnit.Count, outcome.review.tokensUsed);
    logger.info('LLM judge review', { outcome: outcome.review.outcome, tokensUsed: outcome.review.tokensUsed, detail: outcome.review.detail });
  }
  for (const episode of outcome.observation.closed) {
    metrics.addMetric(episode.outcome === 'resolved' ? 'EpisodesResolved' : 'EpisodesPersisted', MetricUnit.Count, 1);
  }
  if (outcome.arm) publishArmMetrics(outcome.arm, outcome);
  for (const record of outcome.recorded) {
    logger.info('Intervention recorded', { sessionId: record.sessionId, episodeId: record.episodeId, subtype: record.subtype });
  }
}

export const handler = middy(
  // One record at a time: two records of one session in a batch would otherwise race on its state.
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

/** The same counts again with an `Arm` dimension, for the dashboard's treatment-vs-control widget. */
function publishArmMetrics(arm: string, outcome: Extract<DetectOutcome, { status: 'processed' }>): void {
  const byArm = (name: string, value: number) => { if (value > 0) metrics.singleMetric().addDimension('Arm', arm).addMetric(name, MetricUnit.Count, value); };
  byArm('InterventionsCreated', outcome.recorded.length);
  byArm('EpisodesResolved', outcome.observation.closed.filter((e) => e.outcome === 'resolved').length);
  byArm('EpisodesPersisted', outcome.observation.closed.filter((e) => e.outcome !== 'resolved').length);
}
