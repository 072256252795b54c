import { BatchProcessor, EventType, SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createObservability } from '../../shared/observability.ts';
import { readDetectorConfig } from '../../shared/config.ts';
import { parseThresholds } from '../../shared/detection/config.ts';
import { readJudgeConfig } from '../../shared/judge/config.ts';
import type { Judge } from '../../shared/judge/judge.ts';
import { RUN_TIME_RESERVE_WITHOUT_JUDGE_MS, detectSession, type DetectOptions, type DetectOutcome } from '../../shared/pipeline/detectSession.ts';
import { parseStepTimerMessage, parseStepsMessage } from '../../shared/queue/messages.ts';
import { NotificationsQueue, STEPS_MAX_RECEIVE_COUNT, StepTimerQueue, StepsQueue, createSqsClient } from '../../shared/queue/sqsQueues.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { StaleSessionVersionError, WinkStore } from '../../shared/store/winkStore.ts';

const config = readDetectorConfig();
const { logger, metrics } = createObservability();
const sqs = createSqsClient();
const stepsQueue = new StepsQueue(sqs, config.stepsQueueUrl);
const timerQueue = new StepTimerQueue(sqs, config.stepTimerQueueUrl);
const deps = {
  store: new WinkStore(createDocumentClient(), config.tableName, config.retentionDays),
  notificationsQueue: new NotificationsQueue(sqs, config.notificationsQueueUrl),
  thresholds: parseThresholds(config.detectionConfigJson),
  gapWaitMs: config.stepGapWaitSeconds * 1000,
  now: Date.now,
};
const judgeConfig = readJudgeConfig();
let judge: Judge | undefined;

/**
 * Time a run may need: DynamoDB and SQS calls, plus one judge request when a judge is configured.
 * A record is started only with this much left, so a slow judge costs the records after it a
 * retry, never the batch (a Lambda timeout would fail every record, the finished ones included).
 */
export const RUN_TIME_RESERVE_MS = RUN_TIME_RESERVE_WITHOUT_JUDGE_MS + (judgeConfig?.timeoutMs ?? 0);

/** Detection runs this container started, and the ones that were wasted (harness and metrics). */
export const detectorCounters = { runs: 0, lostRuns: 0, emptyRuns: 0, skippedRecords: 0 };

/** Not enough of the invocation is left to start this record safely: it is retried, untouched. */
class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';
}

/** What one invocation knows across its records. */
interface Invocation {
  context: Context;
  /** Sessions whose run in this invocation started after every record of the batch was stored. */
  caughtUp: Set<string>;
  /** Records whose failure was already logged with its cause. */
  logged: Set<string>;
}

/**
 * One steps record: run detection for its session until it has caught up. The queue is FIFO with
 * a group per session, so no other run of this session is going on. A run sees every step stored
 * before it began — which includes the steps of every record in this batch — so once a session
 * has caught up here, its later records in the batch have nothing left to do.
 */
async function processStepsRecord(record: SQSRecord, invocation: Invocation): Promise<void> {
  let sessionId: string | undefined;
  let indexes: number[] | undefined;
  try {
    ({ sessionId, indexes } = parseStepsMessage(record.body));
    if (invocation.caughtUp.has(sessionId)) {
      detectorCounters.skippedRecords += 1;
      return;
    }
    // A first delivery whose steps were all observed needs no run; a redelivery runs in full,
    // so its sweep re-queues what a failed attempt may have left stranded.
    const options: DetectOptions = receiveCount(record) === 1 ? { skipIfObserved: indexes } : {};
    for (;;) {
      const remainingMs = invocation.context.getRemainingTimeInMillis();
      if (remainingMs < RUN_TIME_RESERVE_MS) {
        throw new OutOfTimeError(`${remainingMs} ms left of the invocation, ${RUN_TIME_RESERVE_MS} ms needed to start a run`);
      }
      const outcome = await detectSessionWithRetry(sessionId, options);
      if (outcome.status === 'unknown_session') {
        logger.warn('Steps message for an unknown session; dropped', { sessionId });
        return;
      }
      if (outcome.status === 'already_observed') {
        detectorCounters.skippedRecords += 1;
        invocation.caughtUp.add(sessionId);
        return;
      }
      publishMetrics(outcome);
      if (outcome.waitingForGap) {
        const { missingIndex, retryAfterMs } = outcome.waitingForGap;
        const nowMs = Date.now();
        await timerQueue.schedule(sessionId, nowMs + retryAfterMs, nowMs);
        logger.info('Steps held back by a gap; wake-up scheduled', { sessionId, missingIndex, retryAfterMs });
        invocation.caughtUp.add(sessionId);
        return;
      }
      if (!outcome.more) {
        invocation.caughtUp.add(sessionId);
        return;
      }
      // A backlog: continue in this invocation while time allows, else in the group's next message.
      if (invocation.context.getRemainingTimeInMillis() < RUN_TIME_RESERVE_MS) {
        await stepsQueue.send({ sessionId, indexes: [] });
        invocation.caughtUp.add(sessionId); // the continuation covers this session's later records
        return;
      }
    }
  } catch (error) {
    logRecordFailure(record, invocation, { sessionId, indexes }, error);
    throw error;
  }
}

function logRecordFailure(record: SQSRecord, invocation: Invocation, message: { sessionId?: string | undefined; indexes?: number[] | undefined }, cause: unknown): void {
  const attempt = receiveCount(record);
  invocation.logged.add(record.messageId);
  logger.error('Steps record failed', {
    messageId: record.messageId,
    sessionId: message.sessionId ?? record.attributes.MessageGroupId,
    stepRange: stepRange(message.indexes),
    attempt,
    // The event source moves it to the dead-letter queue after this many receives.
    maxAttempts: STEPS_MAX_RECEIVE_COUNT,
    deadLettersNext: attempt >= STEPS_MAX_RECEIVE_COUNT,
    error: cause,
  });
}

function stepRange(indexes: readonly number[] | undefined): string {
  if (!indexes) return 'unknown (the message does not parse)';
  if (indexes.length === 0) return 'none (wake-up)';
  const from = Math.min(...indexes);
  const to = Math.max(...indexes);
  return from === to ? String(from) : `${from}-${to}`;
}

const receiveCount = (record: SQSRecord) => Number(record.attributes.ApproximateReceiveCount) || 1;

/**
 * A gap timer's wake-up comes due: forward it into the session's FIFO group, where it runs in
 * order with the session's other messages. A wait longer than SQS's 15-minute delay is delayed again.
 */
async function forwardWakeUp(record: SQSRecord): Promise<void> {
  try {
    const { sessionId, wakeAtMs } = parseStepTimerMessage(record.body);
    const nowMs = Date.now();
    if (wakeAtMs - nowMs > 1000) await timerQueue.schedule(sessionId, wakeAtMs, nowMs);
    else await stepsQueue.send({ sessionId, indexes: [] });
  } catch (error) {
    logger.error('Step timer record failed', { messageId: record.messageId, attempt: receiveCount(record), body: record.body.slice(0, 200), error });
    throw error;
  }
}

/** After the judge's key could not be fetched, records run without it this long before trying again. */
const JUDGE_RETRY_AFTER_MS = 60_000;
let judgeUnavailableUntil = 0;

/**
 * The judge is created on first use (its key may come from Secrets Manager). If the key cannot be
 * fetched, detection runs on the deterministic detectors alone for a minute, then tries again.
 * Its code (the openai SDK, the Secrets Manager client) is imported here, not at the top: a
 * separate chunk of the bundle that a detector without a judge never reads.
 */
async function currentJudge(): Promise<Judge | undefined> {
  if (!judgeConfig || judge || Date.now() < judgeUnavailableUntil) return judge;
  try {
    const [{ createJudge }, { loadJudgeApiKey }] = await Promise.all([
      import('../../shared/judge/judge.ts'),
      import('../../shared/judge/apiKeySecret.ts'),
    ]);
    judge = createJudge(judgeConfig, { apiKey: await loadJudgeApiKey(judgeConfig) });
  } catch (error) {
    judgeUnavailableUntil = Date.now() + JUDGE_RETRY_AFTER_MS;
    logger.warn('LLM judge unavailable; deterministic detectors only for a minute', { error });
  }
  return judge;
}

/**
 * Losing the version check is the exception (a run that outlived its visibility timeout): the
 * loser wrote nothing, and re-runs against the winner's state.
 */
async function detectSessionWithRetry(sessionId: string, options: DetectOptions, attempts = 3): Promise<DetectOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const outcome = await detectSession({ ...deps, judge: await currentJudge() }, sessionId, options);
      if (outcome.status === 'processed') {
        detectorCounters.runs += 1;
        metrics.addMetric('DetectionRuns', MetricUnit.Count, 1);
        if (outcome.observed === 0) detectorCounters.emptyRuns += 1;
      }
      return outcome;
    } catch (error) {
      if (!(error instanceof StaleSessionVersionError)) throw error;
      detectorCounters.runs += 1;
      detectorCounters.lostRuns += 1;
      metrics.addMetric('DetectionRunsLost', MetricUnit.Count, 1);
      logger.warn('Detection run lost the version check; nothing written, running again', { sessionId, attempt });
      if (attempt >= attempts) throw error;
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

/** The steps queue is FIFO (its ARN ends in .fifo); the step timer queue is standard. */
const isStepsBatch = (event: SQSEvent) => event.Records[0]?.eventSourceARN.endsWith('.fifo') ?? false;

async function detectBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const invocation: Invocation = { context, caughtUp: new Set(), logged: new Set() };
  // A processor per invocation: its state is per batch (and the local stack runs invocations side by side).
  // skipGroupOnError: after a failure, the rest of that session's records fail too (order), other sessions go on.
  const response = await processPartialResponse(event, (record: SQSRecord) => processStepsRecord(record, invocation),
    new SqsFifoPartialProcessorAsync(), { context, skipGroupOnError: true, throwOnFullBatchFailure: false });
  for (const { itemIdentifier } of response.batchItemFailures) {
    if (invocation.logged.has(itemIdentifier)) continue;
    const record = event.Records.find((r) => r.messageId === itemIdentifier);
    if (!record) continue;
    const message = safeParseSteps(record.body);
    logRecordFailure(record, invocation, message, new Error('Not run: an earlier record of the same session failed in this batch, and a session’s records run in order'));
  }
  return response;
}

function safeParseSteps(body: string): { sessionId?: string; indexes?: number[] } {
  try {
    return parseStepsMessage(body);
  } catch {
    return {};
  }
}

export const handler = middy(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    isStepsBatch(event)
      ? detectBatch(event, context)
      : processPartialResponse(event, forwardWakeUp, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
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
