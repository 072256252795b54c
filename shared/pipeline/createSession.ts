import { randomBytes } from 'node:crypto';
import { newWebhookSecret } from '../webhook/signature.ts';
import { ApiError, issueDetails, summarize } from '../api/apiError.ts';
import { fingerprint, sha256Hex } from '../canonicalJson.ts';
import { effectivePolicy } from '../detection/derivedPolicy.ts';
import { initialDetectionState } from '../detection/engine.ts';
import { resolveSessionMode } from '../experiments/assignment.ts';
import type { ExperimentRequest, SessionExperiment, SessionMode } from '../experiments/session.ts';
import type { SessionRecord } from '../records.ts';
import type { IdempotentCreateOutcome } from '../store/winkStore.ts';
import { builtInScrubber, type SecretScrubber } from '../secrets/scrubber.ts';
import { CreateSessionSchema, SESSION_LIMITS } from '../steps.ts';
import { isBlockedAddress, webhookUrlProblem } from '../webhook/urlPolicy.ts';

/** What Idempotency-Key needs from the store (WinkStore has it). */
export interface IdempotentSessionStore {
  createSessionIdempotently(
    session: SessionRecord,
    idempotency: { keyHash: string; requestHash: string; ttlSeconds: number },
    nowMs: number,
  ): Promise<IdempotentCreateOutcome>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
}

export interface CreateSessionDeps {
  store: { createSession(session: SessionRecord, nowMs: number): Promise<void> } & Partial<IdempotentSessionStore>;
  now: () => number;
  /** Loopback and private webhook hosts are refused unless this is set (local runs). */
  allowPrivateWebhooks?: boolean;
  /**
   * Resolves a webhook host name to its addresses, for early feedback on names that point inside.
   * Optional: the notifier checks the addresses it connects to at send time whatever happens here.
   */
  resolveWebhookHost?: (hostname: string) => Promise<string[]>;
  /** Deployment defaults (WINK_DEFAULT_MODE, WINK_DEFAULT_EXPERIMENT) for requests that name neither. */
  defaultMode?: SessionMode;
  defaultExperiment?: ExperimentRequest;
  /** Secrets in the task and constraints are replaced before they are stored. @default the built-in rules */
  scrubber?: SecretScrubber;
}

export interface CreatedSession {
  sessionId: string;
  webhookSecret?: string;
  mode: SessionMode;
  experiment?: SessionExperiment;
}

/** How long an Idempotency-Key stands for its session: retries come within seconds; a day is generous. */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 86_400;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{16,255}$/;
const IN_PROGRESS_RETRIES = 4;

/**
 * Validates and stores a new session. The webhook secret is returned here and nowhere else: not
 * by GET, not in logs. With an `Idempotency-Key` (16–255 visible ASCII characters; send a random
 * UUID), a retry with the same key and the same body (as JSON, key order aside) from the same API
 * key within 24 h gets the same 201 body, the secret included: without it a client that lost the
 * first answer would hold a session whose deliveries it can never verify. The key is thereby a
 * second secret next to the API key, which is why it must be long and should be random. The same
 * key with a different body is a 422.
 */
export async function createSession(deps: CreateSessionDeps, ownerKeyHash: string, body: unknown, idempotencyKey?: string): Promise<CreatedSession> {
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    const message = 'Idempotency-Key must be 16 to 255 visible ASCII characters (no spaces); send a random UUID';
    throw new ApiError(400, 'invalid_idempotency_key', message, [{ path: 'Idempotency-Key', message }]);
  }
  const parsed = CreateSessionSchema.safeParse(body);
  if (!parsed.success) {
    const details = issueDetails(parsed.error);
    throw new ApiError(400, 'invalid_session', `Invalid session: ${summarize(details)}`, details);
  }
  const request = parsed.data;
  if (request.webhook) await checkWebhookUrl(deps, request.webhook.url);
  // Instructions in the task ("DO NOT MODIFY: tests") become the policy unless one is given.
  const { policy, origin } = effectivePolicy(request.policy, request.task);
  if (request.mode && request.experiment) {
    const message = 'mode: leave it out when experiment is given; the arm decides the mode (treatment = active, control = shadow)';
    throw new ApiError(400, 'invalid_session', `Invalid session: ${message}`, [{ path: 'mode', message }]);
  }
  const scrubber = deps.scrubber ?? builtInScrubber;
  const nowMs = deps.now();
  const sessionId = `ses_${randomBytes(12).toString('hex')}`;
  const { mode, experiment } = resolveSessionMode(
    { agentId: request.agentId, sessionId, mode: request.mode, experiment: request.experiment },
    { mode: deps.defaultMode, experiment: request.mode ? undefined : deps.defaultExperiment },
  );
  const session: SessionRecord = {
    sessionId,
    agentId: request.agentId,
    ...scrubbedWithinLimits(scrubber, request.task, request.constraints ?? []),
    policy,
    policyOrigin: origin,
    ownerKeyHash,
    createdAt: new Date(nowMs).toISOString(),
    detection: initialDetectionState(),
    llmTokens: 0,
    version: 0,
    mode,
    ...(experiment ? { experiment } : {}),
    ...(request.webhook ? { webhookUrl: request.webhook.url, webhookSecret: newWebhookSecret() } : {}),
  };
  if (idempotencyKey === undefined) {
    await deps.store.createSession(session, nowMs);
    return createdBody(session);
  }
  const idempotencyKeyHash = sha256Hex(`${ownerKeyHash}\n${idempotencyKey}`);
  return createOnce(deps, { ...session, idempotencyKeyHash }, { keyHash: idempotencyKeyHash, requestHash: fingerprint(body) }, nowMs);
}

/**
 * Task and constraints as stored: secrets replaced. A marker can be longer than a short secret, so
 * text just within a limit may cross it once scrubbed: a 400 that says so, never an oversized item.
 */
function scrubbedWithinLimits(scrubber: SecretScrubber, task: string, constraints: readonly string[]): { task: string; constraints: string[] } {
  const scrubbed = { task: scrubber.scrubText(task), constraints: constraints.map((constraint) => scrubber.scrubText(constraint)) };
  const bytes = (texts: readonly string[]) => texts.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
  const details = [
    ...(bytes([scrubbed.task]) > SESSION_LIMITS.taskBytes ? [{ path: 'task', limit: SESSION_LIMITS.taskBytes, actual: bytes([scrubbed.task]) }] : []),
    ...(bytes(scrubbed.constraints) > SESSION_LIMITS.constraintsTotalBytes ? [{ path: 'constraints', limit: SESSION_LIMITS.constraintsTotalBytes, actual: bytes(scrubbed.constraints) }] : []),
  ].map(({ path, limit, actual }) => ({ path, message: `must be at most ${limit} bytes of UTF-8 once its secrets are redacted (this is ${actual})` }));
  if (details.length > 0) throw new ApiError(400, 'invalid_session', `Invalid session: ${summarize(details)}`, details);
  return scrubbed;
}

function createdBody(session: SessionRecord): CreatedSession {
  return {
    sessionId: session.sessionId,
    ...(session.webhookSecret ? { webhookSecret: session.webhookSecret } : {}),
    mode: session.mode ?? 'active',
    ...(session.experiment ? { experiment: session.experiment } : {}),
  };
}

async function createOnce(
  deps: CreateSessionDeps,
  session: SessionRecord,
  idempotency: { keyHash: string; requestHash: string },
  nowMs: number,
): Promise<CreatedSession> {
  const { createSessionIdempotently, getSession } = deps.store;
  if (!createSessionIdempotently || !getSession) throw new Error('This store cannot create sessions idempotently');
  for (let attempt = 1; attempt <= IN_PROGRESS_RETRIES; attempt += 1) {
    const result = await createSessionIdempotently.call(deps.store, session, { ...idempotency, ttlSeconds: IDEMPOTENCY_KEY_TTL_SECONDS }, nowMs);
    if (result.outcome === 'created') return createdBody(session);
    if (result.outcome === 'replayed') {
      if (result.existing.requestHash !== idempotency.requestHash) {
        throw new ApiError(422, 'idempotency_key_reused',
          'This Idempotency-Key was used with a different request body; send a new key for a new session, or the original body to get its answer again',
          [{ path: 'Idempotency-Key', message: 'already used with a different body' }]);
      }
      const existing = await getSession.call(deps.store, result.existing.sessionId);
      if (existing) return createdBody(existing);
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
  throw new ApiError(409, 'idempotency_key_in_use', 'Another request with this Idempotency-Key is still being processed; retry it in a moment');
}

async function checkWebhookUrl(deps: CreateSessionDeps, url: string): Promise<void> {
  const allowPrivate = deps.allowPrivateWebhooks ?? false;
  let problem = webhookUrlProblem(url, { allowPrivate });
  if (!problem && !allowPrivate && deps.resolveWebhookHost) {
    // A name that does not resolve yet is accepted: the send-time check decides once it does.
    const addresses = await deps.resolveWebhookHost(new URL(url).hostname.replace(/^\[|\]$/g, '')).catch(() => []);
    if (addresses.some(isBlockedAddress)) problem = 'webhook.url resolves to a loopback, link-local or private address';
  }
  if (problem) throw new ApiError(400, 'invalid_session', `Invalid session: ${problem}`, [{ path: 'webhook.url', message: problem }]);
}
