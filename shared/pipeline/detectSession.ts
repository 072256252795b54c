import type { DetectionThresholds } from '../detection/config.ts';
import { observeSteps, type InterventionDecision, type Observation } from '../detection/engine.ts';
import type { Judge, JudgeReview } from '../judge/judge.ts';
import { parseJudgeState, reviewObservation } from '../judge/reviewObservation.ts';
import type { Episode } from '../detection/episodes.ts';
import type { Arm } from '../experiments/session.ts';
import type { SessionSpec } from '../detection/types.ts';
import type { NotificationMessage } from '../queue/sqsQueues.ts';
import type { InterventionRecord, SessionRecord, StoredStep, Verdict } from '../records.ts';
import { MAX_COMMIT_ITEMS, commitItemCount, type DetectionCommit } from '../store/winkStore.ts';

export interface DetectDeps {
  store: {
    getSession(sessionId: string): Promise<SessionRecord | undefined>;
    stepsFrom(sessionId: string, fromIndex: number, limit: number): Promise<StoredStep[]>;
    commitDetection(sessionId: string, expectedVersion: number, commit: DetectionCommit, nowMs: number): Promise<{ recorded: InterventionRecord[] }>;
    listInterventions(sessionId: string): Promise<InterventionRecord[]>;
    markRequeued(sessionId: string, episodeId: string, requeuedAt: string): Promise<boolean>;
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

export interface DetectOptions {
  /**
   * The indexes the message that woke this run up carried. When every one of them has been
   * observed already (an earlier run of the session saw them), there is nothing to run for.
   */
  skipIfObserved?: readonly number[];
}

export type DetectOutcome =
  | { status: 'unknown_session' }
  | { status: 'already_observed'; nextIndex: number }
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
 * Time a run needs besides the judge (DynamoDB and SQS calls). The detector starts a record only
 * with this much left plus the judge's timeout, and the detector's timeout must allow one such run.
 */
export const RUN_TIME_RESERVE_WITHOUT_JUDGE_MS = 10_000;

/**
 * Items the deterministic observation of one run may write, so that the judge's additions still
 * fit in the one transaction that commits the run (MAX_COMMIT_ITEMS).
 */
export const DETERMINISTIC_COMMIT_ITEMS = MAX_COMMIT_ITEMS - 20;

/** One intervention could not be handed to the notifier after its run committed. */
export class NotificationQueueError extends Error {
  override readonly name = 'NotificationQueueError';
}

/**
 * Runs detection over the session's steps that it has not seen yet, in index order. The steps
 * queue hands a session to one run at a time (FIFO group per session); the version check below is
 * the safety net for what that cannot exclude (a run that outlives its visibility timeout).
 * 1. reads the session (detection state + version); stops if the waking message's steps are all
 *    observed; re-queues any intervention a crashed run left stranded (requeueStranded), and reads
 *    at most `maxStepsPerRun` stored steps from state.nextIndex (a backlog takes several runs);
 * 2. takes the contiguous run of steps; a missing index holds back what follows until the gap is
 *    filled or `gapWaitMs` has passed since the first held-back step arrived, then is skipped;
 * 3. observes the steps (pure, deterministic: same state + steps → same episode ids) — as many as
 *    fit in one commit — then, when an LLM judge is configured and the batch is worth it, lets it
 *    confirm, withhold or add findings (its failures leave the deterministic verdicts standing);
 * 4. commits state, verdicts, episode snapshots and new interventions in one transaction, on
 *    condition that nobody moved the state since step 1: a run that loses writes nothing at all;
 * 5. only then queues a notification for each intervention it recorded.
 */
export async function detectSession(deps: DetectDeps, sessionId: string, options: DetectOptions = {}): Promise<DetectOutcome> {
  const session = await deps.store.getSession(sessionId);
  if (!session) return { status: 'unknown_session' };
  const { nextIndex } = session.detection;
  if (options.skipIfObserved?.length && Math.max(...options.skipIfObserved) < nextIndex) return { status: 'already_observed', nextIndex };

  const nowMs = deps.now();
  await requeueStranded(deps, sessionId, nowMs);
  const read = await readObservableSteps(deps, sessionId, nextIndex, nowMs);
  const spec = specOf(session);
  const { steps, observation: deterministic, truncated } = observeWhatFits(spec, session.detection, read.steps, deps.thresholds);
  const waitingForGap = truncated ? undefined : read.waitingForGap;
  const more = truncated || read.more;
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
  // The judge's findings stand unless they would overflow the commit; its tokens count either way.
  const observation = judged && commitItemCount(planOf(judged.observation, nowMs)) <= MAX_COMMIT_ITEMS ? judged.observation : deterministic;

  const { recorded } = await deps.store.commitDetection(sessionId, session.version, {
    detection: observation.state,
    ...(judged ? { judge: judged.state, llmTokensDelta: judged.review?.tokensUsed ?? 0 } : {}),
    ...planOf(observation, nowMs, session.mode === 'shadow'),
  }, nowMs);
  // Shadow mode: recorded with the guidance it would have sent, and never handed to the notifier.
  await queueNotifications(deps, recorded.filter((record) => record.delivery.status !== 'suppressed'));
  return {
    status: 'processed',
    observed: steps.length,
    observation,
    recorded,
    ...(waitingForGap ? { waitingForGap } : {}),
    ...(more ? { more: true as const } : {}),
    ...(judged?.review ? { review: judged.review } : {}),
    ...(session.experiment ? { arm: session.experiment.arm } : {}),
  };
}

/** What a run writes besides the state: verdicts, episode snapshots, interventions. */
function planOf(observation: Observation, nowMs: number, shadow = false) {
  return {
    verdicts: observation.verdicts,
    episodes: episodeSnapshots(observation),
    interventions: observation.interventions.map((decision) => toInterventionRecord(decision, nowMs, shadow)),
  };
}

/**
 * Observes the longest prefix of `steps` (halving) whose writes fit in one commit with room for
 * the judge's. A backlog of busy steps thus takes several runs; any single step fits.
 */
function observeWhatFits(spec: SessionSpec, state: SessionRecord['detection'], steps: StoredStep['step'][], thresholds: DetectionThresholds) {
  for (let count = steps.length; ; count = Math.ceil(count / 2)) {
    const observation = observeSteps(spec, state, steps.slice(0, count), { thresholds });
    if (count <= 1 || commitItemCount(planOf(observation, 0)) <= DETERMINISTIC_COMMIT_ITEMS) {
      return { steps: steps.slice(0, count), observation, truncated: count < steps.length };
    }
  }
}

/**
 * The run has committed: each recorded intervention goes to the notifier. A send that fails
 * leaves its intervention pending and untried, the record fails and comes back after its
 * visibility timeout, and that run's requeueStranded sweep queues it.
 */
async function queueNotifications(deps: DetectDeps, recorded: readonly InterventionRecord[]): Promise<void> {
  const failures: unknown[] = [];
  for (const record of recorded) {
    await deps.notificationsQueue.send({ sessionId: record.sessionId, episodeId: record.episodeId }).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) {
    throw new NotificationQueueError(`${failures.length} of ${recorded.length} notifications could not be queued; the retry re-queues them`, { cause: failures[0] });
  }
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
