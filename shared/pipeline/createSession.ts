import { randomBytes } from 'node:crypto';
import { ApiError, issueDetails, summarize } from '../api/apiError.ts';
import { effectivePolicy } from '../detection/derivedPolicy.ts';
import { initialDetectionState } from '../detection/engine.ts';
import type { SessionRecord } from '../records.ts';
import { CreateSessionSchema } from '../steps.ts';
import { isPrivateWebhookHost } from '../webhook/urlPolicy.ts';

export interface CreateSessionDeps {
  store: { createSession(session: SessionRecord, nowMs: number): Promise<void> };
  now: () => number;
  /** Loopback and private webhook hosts are refused unless this is set (local runs). */
  allowPrivateWebhooks?: boolean;
}

export interface CreatedSession {
  sessionId: string;
  webhookSecret?: string;
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
  const nowMs = deps.now();
  // Instructions in the task ("DO NOT MODIFY: tests") become the policy unless one is given.
  const { policy, origin } = effectivePolicy(request.policy, request.task);
  const session: SessionRecord = {
    sessionId: `ses_${randomBytes(12).toString('hex')}`,
    agentId: request.agentId,
    task: request.task,
    constraints: request.constraints ?? [],
    policy,
    policyOrigin: origin,
    ownerKeyHash,
    createdAt: new Date(nowMs).toISOString(),
    detection: initialDetectionState(),
    llmTokens: 0,
    version: 0,
    ...(request.webhook ? { webhookUrl: request.webhook.url, webhookSecret: `whsec_${randomBytes(32).toString('hex')}` } : {}),
  };
  await deps.store.createSession(session, nowMs);
  return { sessionId: session.sessionId, ...(session.webhookSecret ? { webhookSecret: session.webhookSecret } : {}) };
}
