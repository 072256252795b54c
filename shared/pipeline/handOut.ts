import { ApiError } from '../api/apiError.ts';
import { toPublicIntervention, type Intervention, type InterventionRecord } from '../records.ts';

/** Longest `?wait` on a steps post: the reply stays well inside any hook or HTTP client timeout. */
export const MAX_REPLY_WAIT_MS = 3000;
/** Longest `?wait` on a long-poll of interventions (API Gateway's integration limit is 30 s). */
export const MAX_POLL_WAIT_SECONDS = 20;
const DETECTION_CHECK_EVERY_MS = 100;
const POLL_CHECK_EVERY_MS = 500;

export interface HandOutDeps {
  store: {
    listInterventions(sessionId: string): Promise<InterventionRecord[]>;
    markHandedOut(sessionId: string, episodeId: string, handedOutAt: string): Promise<boolean>;
    markPolled(sessionId: string, episodeId: string, polledAt: string): Promise<boolean>;
    detectionNextIndex(sessionId: string): Promise<number | undefined>;
  };
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until detection has observed every step up to `lastIndex` or `waitMs` has passed. Only the
 * detector's saved progress is read, so the wait never depends on an LLM judge: it simply ends.
 * Returns whether detection got there.
 */
export async function waitForDetection(deps: HandOutDeps, sessionId: string, lastIndex: number, waitMs: number): Promise<boolean> {
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.now() + Math.min(Math.max(waitMs, 0), MAX_REPLY_WAIT_MS);
  for (;;) {
    const nextIndex = await deps.store.detectionNextIndex(sessionId);
    if (nextIndex !== undefined && nextIndex > lastIndex) return true;
    const left = deadline - deps.now();
    if (left <= 0) return false;
    await sleep(Math.min(DETECTION_CHECK_EVERY_MS, left));
  }
}

/**
 * The session's interventions that no reply has handed out yet, each claimed with a conditional
 * write: under concurrent posts every intervention goes to exactly one reply.
 */
export async function handOutPending(deps: HandOutDeps, sessionId: string): Promise<Intervention[]> {
  const pending = (await deps.store.listInterventions(sessionId)).filter((record) => record.handedOutAt === undefined && !isSuppressed(record));
  const at = new Date(deps.now()).toISOString();
  const won: Intervention[] = [];
  for (const record of pending) {
    if (await deps.store.markHandedOut(sessionId, record.episodeId, at)) won.push(toPublicIntervention(record));
  }
  return won;
}

/**
 * GET …/interventions: every intervention (after `after`, when given), waiting up to `waitSeconds`
 * for one to appear. Those returned are noted as polled for the session summary.
 */
export async function pollInterventions(
  deps: HandOutDeps,
  sessionId: string,
  options: { after?: string | undefined; waitSeconds?: number | undefined; includeSuppressed?: boolean | undefined },
): Promise<Intervention[]> {
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.now() + Math.min(options.waitSeconds ?? 0, MAX_POLL_WAIT_SECONDS) * 1000;
  for (let first = true; ; first = false) {
    const all = (await deps.store.listInterventions(sessionId)).filter((record) => options.includeSuppressed || !isSuppressed(record));
    const position = options.after === undefined ? -1 : all.findIndex((record) => record.interventionId === options.after);
    if (first && options.after !== undefined && position < 0) {
      throw new ApiError(400, 'invalid_query', `after: no intervention ${options.after} in this session; pass an interventionId from an earlier answer`,
        [{ path: 'after', message: 'unknown interventionId' }]);
    }
    const found = all.slice(position + 1);
    const left = deadline - deps.now();
    if (found.length > 0 || left <= 0) {
      const at = new Date(deps.now()).toISOString();
      await Promise.all(found.filter((record) => record.firstPolledAt === undefined && !isSuppressed(record)).map((record) => deps.store.markPolled(sessionId, record.episodeId, at)));
      return found.map(toPublicIntervention);
    }
    await sleep(Math.min(POLL_CHECK_EVERY_MS, left));
  }
}

/** A shadow session's intervention: recorded, never handed to the agent (only `?include=suppressed` lists it). */
const isSuppressed = (record: InterventionRecord) => record.delivery.status === 'suppressed';

/** Reads an integer query parameter within [0, max], or answers 400 naming it and the limit. */
export function boundedIntParam(value: string | undefined, name: string, max: number, unit: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) {
    throw new ApiError(400, 'invalid_query', `${name}: must be an integer from 0 to ${max} (${unit}); got ${JSON.stringify(value)}`,
      [{ path: name, message: `integer 0–${max} ${unit}` }]);
  }
  return parsed;
}
