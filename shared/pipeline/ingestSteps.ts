import { ApiError, formatPath, issueDetails, summarize, type ErrorDetail } from '../api/apiError.ts';
import type { SessionRecord, StoredStep } from '../records.ts';
import { MAX_STEP_BYTES, MAX_STEPS_AHEAD_OF_DETECTION, MAX_STEPS_PER_REQUEST, StepSchema, stepFingerprint, type Step } from '../steps.ts';
import { storableJsonProblems } from '../storableJson.ts';
import { builtInScrubber, countMarkers, type SecretScrubber } from '../secrets/scrubber.ts';
import { SessionDeletedError, StepWriteRaceError } from '../store/winkStore.ts';
import { refuseIfEnded } from './endSession.ts';
import type { StepsMessage } from '../queue/sqsQueues.ts';

export interface IngestDeps {
  store: {
    getSteps(sessionId: string, indexes: readonly number[]): Promise<Map<number, StoredStep>>;
    putNewSteps(sessionId: string, steps: readonly StoredStep[], nowMs: number): Promise<void>;
    /** Activity keeps a session alive: its expiry counts from the last steps posted. */
    refreshSessionExpiry(sessionId: string, nowMs: number): Promise<void>;
  };
  stepsQueue: { send(message: StepsMessage): Promise<void> };
  now: () => number;
  /** Replaces secrets in each step before it is stored or queued. @default the built-in rules */
  scrubber?: SecretScrubber;
}

/** A concurrent writer can win a race at most this many times before we give up with a 5xx. */
const MAX_STORE_ATTEMPTS = 5;
const RACE_RETRY_DELAY_MS = 50;

/**
 * Accepts one step or `{ steps: [...] }` for a session the caller owns:
 * - every step is validated; any invalid step rejects the request (400, naming the field);
 * - secrets in a step become `[REDACTED:<kind>]` before anything else sees it (shared/secrets);
 * - a step identical to one already stored is accepted again with no further effect;
 * - a step whose index is stored with different content rejects the whole request (409);
 * - new steps are stored all-or-nothing before the 202, then the session is queued for detection.
 * Duplicates are queued too: if a previous attempt stored the steps but failed to queue them, the
 * client's retry is what gets them detected. The detector ignores steps it has already seen.
 */
export async function ingestSteps(deps: IngestDeps, session: SessionRecord, body: unknown): Promise<{ accepted: number; lastIndex: number }> {
  refuseIfEnded(session);
  const steps = parseSteps(body, deps.scrubber ?? builtInScrubber);
  // The session was read to check its owner: its detection progress costs nothing more.
  rejectIndexesTooFarAhead(steps, isBatchBody(body), session.detection.nextIndex);
  const unique = uniqueByIndex(steps);
  const nowMs = deps.now();

  for (let attempt = 1; ; attempt += 1) {
    const stored = await deps.store.getSteps(session.sessionId, [...unique.keys()]);
    const conflicts = [...unique.values()].filter((s) => stored.has(s.step.index) && stored.get(s.step.index)!.fingerprint !== s.fingerprint);
    if (conflicts.length > 0) throw conflictError(conflicts.map((s) => s.step.index));
    const fresh = [...unique.values()].filter((s) => !stored.has(s.step.index)).map((s) => ({ ...s, receivedAt: nowMs }));
    try {
      await deps.store.putNewSteps(session.sessionId, fresh, nowMs);
      break;
    } catch (error) {
      if (error instanceof SessionDeletedError) throw sessionNotFound(session.sessionId);
      if (!(error instanceof StepWriteRaceError) || attempt >= MAX_STORE_ATTEMPTS) throw error;
      // Give a concurrent transaction on the same steps time to commit before re-reading.
      await new Promise((resolve) => setTimeout(resolve, RACE_RETRY_DELAY_MS * attempt));
    }
  }

  await deps.store.refreshSessionExpiry(session.sessionId, nowMs);
  await deps.stepsQueue.send({ sessionId: session.sessionId, indexes: [...unique.keys()] });
  // lastIndex: how far detection must get before the reply's `?wait` is over.
  return { accepted: steps.length, lastIndex: Math.max(...unique.keys()) };
}

function isBatchBody(body: unknown): body is { steps: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'steps' in body;
}

function parseSteps(body: unknown, scrubber: SecretScrubber): Step[] {
  const isBatch = isBatchBody(body);
  const extra = isBatch ? Object.keys(body).filter((key) => key !== 'steps') : [];
  if (extra.length > 0) {
    throw new ApiError(400, 'invalid_step', `Unknown field ${extra.map((key) => `"${key}"`).join(', ')} next to "steps"; send { "steps": [...] } or one step`,
      extra.map((key) => ({ path: key, message: 'unknown field' })));
  }
  const candidates: unknown[] = isBatch ? asBatch((body as { steps: unknown }).steps) : [body];
  const details: ErrorDetail[] = [];
  const steps: Step[] = [];
  candidates.forEach((candidate, position) => {
    const prefix = isBatch ? `steps[${position}]` : '';
    // What DynamoDB could not store as sent (numbers, keys, nesting) is the client's to fix: a 400, not a 500.
    const unstorable = storableJsonProblems(candidate);
    if (unstorable.length > 0) {
      details.push(...unstorable.map((problem) => ({ path: formatPath(prefix, problem.path), message: problem.message })));
      return;
    }
    const parsed = StepSchema.safeParse(candidate);
    if (!parsed.success) {
      details.push(...issueDetails(parsed.error, prefix));
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
    if (bytes > MAX_STEP_BYTES) {
      throw new ApiError(413, 'step_too_large',
        `Step ${parsed.data.index} is ${bytes} bytes; a step may be at most ${MAX_STEP_BYTES} bytes (256 KiB) of JSON`);
    }
    steps.push(scrubbedWithinLimit(scrubber, parsed.data, prefix || 'step'));
  });
  if (details.length > 0) throw new ApiError(400, 'invalid_step', `Invalid step: ${summarize(details)}`, details);
  return steps;
}

/**
 * The step as it will be stored: its secrets replaced. A marker can be longer than a short secret
 * (`password=a`), so a step just under the limit may cross it once scrubbed: a 413 that says so.
 */
function scrubbedWithinLimit(scrubber: SecretScrubber, step: Step, path: string): Step {
  const scrubbed = scrubber.scrubStep(step);
  const bytes = Buffer.byteLength(JSON.stringify(scrubbed));
  if (bytes > MAX_STEP_BYTES) {
    const secrets = countMarkers(JSON.stringify(scrubbed.content ?? '')) + countMarkers(JSON.stringify(scrubbed.toolInput ?? ''));
    const message = `is ${bytes} bytes once its ${secrets} secrets are redacted; a step may be at most ${MAX_STEP_BYTES} bytes (256 KiB) of JSON`;
    throw new ApiError(413, 'step_too_large', `Step ${step.index} ${message}`, [{ path, message }]);
  }
  return scrubbed;
}

function rejectIndexesTooFarAhead(steps: readonly Step[], inBatch: boolean, nextIndex: number): void {
  const limit = nextIndex + MAX_STEPS_AHEAD_OF_DETECTION;
  const details = steps.flatMap((step, position) => step.index < limit ? [] : [{
    path: inBatch ? `steps[${position}].index` : 'index',
    message: `must be below ${limit}: at most ${MAX_STEPS_AHEAD_OF_DETECTION} steps past the first step not yet detected (${nextIndex})`,
  }]);
  if (details.length > 0) {
    throw new ApiError(400, 'step_index_too_far_ahead', `Step index too far ahead: ${summarize(details)}; post the steps in between first`, details);
  }
}

function asBatch(steps: unknown): unknown[] {
  if (!Array.isArray(steps)) throw new ApiError(400, 'invalid_step', 'steps: must be an array of steps');
  if (steps.length === 0) throw new ApiError(400, 'invalid_step', 'steps: must hold at least 1 step');
  if (steps.length > MAX_STEPS_PER_REQUEST) {
    throw new ApiError(413, 'too_many_steps',
      `A request may carry at most ${MAX_STEPS_PER_REQUEST} steps; this one has ${steps.length}. Split it into several requests.`);
  }
  return steps;
}

/** Collapses exact repeats inside one request; the same index with different content is a 409. */
function uniqueByIndex(steps: readonly Step[]): Map<number, Omit<StoredStep, 'receivedAt'>> {
  const unique = new Map<number, Omit<StoredStep, 'receivedAt'>>();
  const conflicting = new Set<number>();
  for (const step of steps) {
    const fingerprint = stepFingerprint(step);
    const seen = unique.get(step.index);
    if (seen && seen.fingerprint !== fingerprint) conflicting.add(step.index);
    else unique.set(step.index, { step, fingerprint });
  }
  if (conflicting.size > 0) throw conflictError([...conflicting], 'appears more than once in this request with different content');
  return unique;
}

function conflictError(indexes: number[], why = 'was already received with different content'): ApiError {
  const sorted = [...indexes].sort((a, b) => a - b);
  const named = sorted.length === 1 ? `Step index ${sorted[0]}` : `Step indexes ${sorted.join(', ')}`;
  return new ApiError(409, 'step_conflict', `${named} ${why}; nothing from this request was stored`,
    sorted.map((index) => ({ path: `index ${index}`, message: why })));
}

/** The same answer as for any unknown session (routes.ts ownedSession). */
function sessionNotFound(sessionId: string): ApiError {
  return new ApiError(404, 'session_not_found', `No session with id ${sessionId}; create one with POST /v1/sessions`);
}
