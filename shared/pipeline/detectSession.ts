import type { DetectionThresholds } from '../detection/config.ts';
import { observeSteps, type InterventionDecision, type Observation } from '../detection/engine.ts';
import type { Judge, JudgeReview } from '../judge/judge.ts';
import { parseJudgeState, reviewObservation } from '../judge/reviewObservation.ts';
import type { Episode } from '../detection/episodes.ts';
import type { Arm } from '../experiments/session.ts';
import type { SessionSpec } from '../detection/types.ts';
import type { NotificationMessage } from '../queue/sqsQueues.ts';
import type { InterventionRecord, SessionRecord, StoredStep, Verdict } from '../records.ts';
import type { RecordInterventionOutcome } from '../store/winkStore.ts';

export interface DetectDeps {
  store: {
    getSession(sessionId: string): Promise<SessionRecord | undefined>;
    stepsFrom(sessionId: string, fromIndex: number, limit: number): Promise<StoredStep[]>;
    putVerdictsAndEpisodes(sessionId: string, verdicts: readonly Verdict[], episodes: readonly Episode[], nowMs: number): Promise<void>;
    recordInterventionOnce(intervention: InterventionRecord, nowMs: number): Promise<RecordInterventionOutcome>;
    deleteIntervention(sessionId: string, episodeId: string, interventionId: string): Promise<void>;
    listInterventions(sessionId: string): Promise<InterventionRecord[]>;
    markRequeued(sessionId: string, episodeId: string, requeuedAt: string): Promise<boolean>;
    saveDetectionState(
      sessionId: string,
      expectedVersion: number,
      update: { detection: SessionRecord['detection']; judge?: unknown; llmTokensDelta?: number },
    ): Promise<void>;
  };
  notificationsQueue: { send(message: NotificationMessage): Promise<void> };
  thresholds: DetectionThresholds;
  /** The optional LLM judge: a second opinion on heuristic verdicts, and findings rules cannot see. */
  judge?: Judge | undefined;
  /** How long a gap in step indexes holds back the steps after it. */
  gapWaitMs: number;
  /** Most steps one run observes, bounding its memory and time; the rest wait for the next run. @default 500 */
  maxStepsPerRun?: number;
  now: () => number;
}

export type DetectOutcome =
  | { status: 'unknown_session' }
  | {
      status: 'processed';
      observed: number;
      /** Set when steps after a gap are held back: retry no sooner than this. */
      waitingForGap?: { missingIndex: number; retryAfterMs: number };
      /** Set when more stored steps follow the ones observed: run again (this run's progress is saved). */
      more?: true;
      observation: Observation;
      /** Interventions this invocation recorded first (and so queued for delivery). */
      recorded: InterventionRecord[];
      /** The judge's review of this batch, when one ran. */
      review?: JudgeReview;
      /** The session's experiment arm, for metrics by arm. */
      arm?: Arm;
    };

const MAX_STEPS_PER_RUN = 500;

/**
 * Runs detection over the session's steps that it has not seen yet, in index order:
 * 1. reads the session (detection state + version), re-queues any intervention a crashed run left
 *    stranded (requeueStranded), and reads at most `maxStepsPerRun` stored steps from
 *    state.nextIndex (a backlog takes several runs, each saving its progress);
 * 2. takes the contiguous run of steps; a missing index holds back what follows until the gap is
 *    filled or `gapWaitMs` has passed since the first held-back step arrived, then is skipped;
 * 3. observes the steps (pure, deterministic: same state + steps → same episode ids), then, when
 *    an LLM judge is configured and the batch is worth it, lets it confirm, withhold or add findings
 *    (its failures leave the deterministic verdicts standing);
 * 4. stores verdicts and episode snapshots, records each new episode's intervention once
 *    (conditional write) and queues a notification only when this writer won;
 * 5. saves the new state if nobody else moved it (optimistic version check), otherwise throws so
 *    the SQS record is retried against the fresh state — which then finds the work already done.
 */
export async function detectSession(deps: DetectDeps, sessionId: string): Promise<DetectOutcome> {
  const session = await deps.store.getSession(sessionId);
  if (!session) return { status: 'unknown_session' };

  const nowMs = deps.now();
  await requeueStranded(deps, sessionId, nowMs);
  const { steps, waitingForGap, more } = await readObservableSteps(deps, sessionId, session.detection.nextIndex, nowMs);
  const spec = specOf(session);
  const deterministic = observeSteps(spec, session.detection, steps, { thresholds: deps.thresholds });
  if (steps.length === 0) {
    return { status: 'processed', observed: 0, observation: deterministic, recorded: [], ...(waitingForGap ? { waitingForGap } : {}) };
  }
  const judged = deps.judge
    ? await reviewObservation({
        judge: deps.judge,
        session: spec,
        state: parseJudgeState(session.judge),
        observation: deterministic,
        steps,
        loadEarlierSteps: async (from, limit) => (await deps.store.stepsFrom(sessionId, from, limit)).map((stored) => stored.step),
        thresholds: deps.thresholds,
      })
    : undefined;
  const observation = judged?.observation ?? deterministic;

  await deps.store.putVerdictsAndEpisodes(sessionId, observation.verdicts, episodeSnapshots(observation), nowMs);
  const recorded: InterventionRecord[] = [];
  for (const decision of observation.interventions) {
    const record = toInterventionRecord(decision, nowMs, session.mode === 'shadow');
    if (await recordAndQueue(deps, record, nowMs)) recorded.push(record);
  }
  await deps.store.saveDetectionState(sessionId, session.version, {
    detection: observation.state,
    ...(judged ? { judge: judged.state, llmTokensDelta: judged.review?.tokensUsed ?? 0 } : {}),
  });
  return {
    status: 'processed',
    observed: steps.length,
    observation,
    recorded,
    ...(waitingForGap ? { waitingForGap } : {}),
    ...(more ? { more } : {}),
    ...(judged?.review ? { review: judged.review } : {}),
    ...(session.experiment ? { arm: session.experiment.arm } : {}),
  };
}

async function readObservableSteps(deps: DetectDeps, sessionId: string, nextIndex: number, nowMs: number) {
  const maxSteps = deps.maxStepsPerRun ?? MAX_STEPS_PER_RUN;
  // One step past the limit tells whether another run is needed.
  const stored = await deps.store.stepsFrom(sessionId, nextIndex, maxSteps + 1);
  const steps: StoredStep['step'][] = [];
  let expected = nextIndex;
  for (const { step, receivedAt } of stored.slice(0, maxSteps)) {
    if (step.index !== expected) {
      const heldFor = nowMs - receivedAt;
      if (heldFor < deps.gapWaitMs) {
        return { steps, waitingForGap: { missingIndex: expected, retryAfterMs: deps.gapWaitMs - heldFor } };
      }
      // The gap outlived its wait: skip the missing indexes and carry on.
    }
    steps.push(step);
    expected = step.index + 1;
  }
  return stored.length > maxSteps ? { steps, more: true as const } : { steps };
}

/** Records the intervention if this writer is first; only the winner queues the notification. */
async function recordAndQueue(deps: DetectDeps, record: InterventionRecord, nowMs: number): Promise<boolean> {
  const result = await deps.store.recordInterventionOnce(record, nowMs);
  if (result.outcome === 'already_recorded') return false;
  // Shadow mode: recorded with the guidance it would have sent, and never handed to the notifier.
  if (record.delivery.status === 'suppressed') return true;
  try {
    await deps.notificationsQueue.send({ sessionId: record.sessionId, episodeId: record.episodeId });
  } catch (error) {
    // Undo, so the SQS retry of this batch records it again and queues it: an intervention that
    // exists is always one that was handed to the notifier.
    await deps.store.deleteIntervention(record.sessionId, record.episodeId, record.interventionId);
    throw error;
  }
  return true;
}

/**
 * A detector that crashed between recording an intervention and queuing it leaves the intervention
 * pending with no notification on its way. The crashed batch's SQS message always comes back (after
 * the visibility timeout, minutes later), and every run sweeps the session first: an intervention
 * the notifier has not tried long after it was recorded (or last re-queued) is queued again. A live
 * winner queues within milliseconds, so the age keeps concurrent runs from doubling notifications;
 * should two meet anyway, the notifier skips a delivered intervention and receivers deduplicate on
 * Wink-Delivery-Id.
 */
export const STRANDED_AFTER_MS = 60_000;

async function requeueStranded(deps: DetectDeps, sessionId: string, nowMs: number): Promise<void> {
  const stranded = (await deps.store.listInterventions(sessionId)).filter((intervention) => isStranded(intervention, nowMs));
  for (const intervention of stranded) {
    if (await deps.store.markRequeued(sessionId, intervention.episodeId, new Date(nowMs).toISOString())) {
      await deps.notificationsQueue.send({ sessionId, episodeId: intervention.episodeId });
    }
  }
}

function isStranded({ delivery, createdAt }: InterventionRecord, nowMs: number): boolean {
  const lastHandedOver = Math.max(Date.parse(createdAt), delivery.requeuedAt ? Date.parse(delivery.requeuedAt) : 0);
  return delivery.status === 'pending' && delivery.attempts === 0 && nowMs - lastHandedOver > STRANDED_AFTER_MS;
}

function toInterventionRecord(decision: InterventionDecision, nowMs: number, shadow: boolean): InterventionRecord {
  return {
    // Derived from the episode id, so every retry of the delivery carries the same Wink-Delivery-Id.
    interventionId: decision.episodeId.replace(/^ep_/, 'iv_'),
    sessionId: decision.sessionId,
    episodeId: decision.episodeId,
    category: decision.category,
    subtype: decision.subtype,
    guidance: decision.guidance,
    evidence: decision.evidence,
    createdAt: new Date(nowMs).toISOString(),
    delivery: { status: shadow ? 'suppressed' : 'pending', attempts: 0 },
  };
}

/** The latest snapshot of every episode this batch touched: opened, extended or closed. */
function episodeSnapshots(observation: Observation): Episode[] {
  const touched = new Set([...observation.verdicts.map((v) => v.episodeId), ...observation.opened.map((e) => e.episodeId)]);
  const open = observation.state.openEpisodes.filter((e) => touched.has(e.episodeId));
  return [...open, ...observation.closed];
}

export function specOf(session: SessionRecord): SessionSpec {
  return { sessionId: session.sessionId, task: session.task, constraints: session.constraints, policy: session.policy };
}
