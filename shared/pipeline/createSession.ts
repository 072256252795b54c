import { randomBytes } from 'node:crypto';
import { ApiError, issueDetails, summarize } from '../api/apiError.ts';
import { initialDetectionState } from '../detection/engine.ts';
import { resolveSessionMode } from '../experiments/assignment.ts';
import type { ExperimentRequest, SessionExperiment, SessionMode } from '../experiments/session.ts';
import type { SessionRecord } from '../records.ts';
import { CreateSessionSchema } from '../steps.ts';
import { isPrivateWebhookHost } from '../webhook/urlPolicy.ts';

export interface CreateSessionDeps {
  store: { createSession(session: SessionRecord, nowMs: number): Promise<void> };
  now: () => number;
  /** Loopback and private webhook hosts are refused unless this is set (local runs). */
  allowPrivateWebhooks?: boolean;
  /** Deployment defaults (WINK_DEFAULT_MODE, WINK_DEFAULT_EXPERIMENT) for requests that name neither. */
  defaultMode?: SessionMode;
  defaultExperiment?: ExperimentRequest;
}

export interface CreatedSession {
  sessionId: string;
  webhookSecret?: string;
  mode: SessionMode;
  experiment?: SessionExperiment;
}

/** Validates and stores a new session; the webhook secret is returned once, here, and never again. */
export async function createSession(deps: CreateSessionDeps, ownerKeyHash: string, body: unknown): Promise<CreatedSession> {
  const parsed = CreateSessionSchema.safeParse(body);
  if (!parsed.success) {
    const details = issueDetails(parsed.error);
    throw new ApiError(400, 'invalid_session', `Invalid session: ${summarize(details)}`, details);
  }
  const request = parsed.data;
  if (request.webhook && !deps.allowPrivateWebhooks && isPrivateWebhookHost(new URL(request.webhook.url).hostname)) {
    const message = 'webhook.url must not point to a loopback, link-local or private address';
    throw new ApiError(400, 'invalid_session', `Invalid session: ${message}`, [{ path: 'webhook.url', message }]);
  }
  if (request.mode && request.experiment) {
    const message = 'mode: leave it out when experiment is given; the arm decides the mode (treatment = active, control = shadow)';
    throw new ApiError(400, 'invalid_session', `Invalid session: ${message}`, [{ path: 'mode', message }]);
  }
  const nowMs = deps.now();
  const sessionId = `ses_${randomBytes(12).toString('hex')}`;
  const { mode, experiment } = resolveSessionMode(
    { agentId: request.agentId, sessionId, mode: request.mode, experiment: request.experiment },
    { mode: deps.defaultMode, experiment: request.mode ? undefined : deps.defaultExperiment },
  );
  const session: SessionRecord = {
    sessionId,
    agentId: request.agentId,
    task: request.task,
    constraints: request.constraints ?? [],
    policy: request.policy ?? {},
    ownerKeyHash,
    createdAt: new Date(nowMs).toISOString(),
    detection: initialDetectionState(),
    llmTokens: 0,
    version: 0,
    mode,
    ...(experiment ? { experiment } : {}),
    ...(request.webhook ? { webhookUrl: request.webhook.url, webhookSecret: `whsec_${randomBytes(32).toString('hex')}` } : {}),
  };
  await deps.store.createSession(session, nowMs);
  return {
    sessionId: session.sessionId,
    ...(session.webhookSecret ? { webhookSecret: session.webhookSecret } : {}),
    mode,
    ...(experiment ? { experiment } : {}),
  };
}
