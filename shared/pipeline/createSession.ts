import { randomBytes } from 'node:crypto';
import { ApiError, issueDetails, summarize } from '../api/apiError.ts';
import { initialDetectionState } from '../detection/engine.ts';
import type { SessionRecord } from '../records.ts';
import { CreateSessionSchema } from '../steps.ts';
import { isBlockedAddress, webhookUrlProblem } from '../webhook/urlPolicy.ts';

export interface CreateSessionDeps {
  store: { createSession(session: SessionRecord, nowMs: number): Promise<void> };
  now: () => number;
  /** Loopback and private webhook hosts are refused unless this is set (local runs). */
  allowPrivateWebhooks?: boolean;
  /**
   * Resolves a webhook host name to its addresses, for early feedback on names that point inside.
   * Optional: the notifier checks the addresses it connects to at send time whatever happens here.
   */
  resolveWebhookHost?: (hostname: string) => Promise<string[]>;
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
  if (request.webhook) await checkWebhookUrl(deps, request.webhook.url);
  const nowMs = deps.now();
  const session: SessionRecord = {
    sessionId: `ses_${randomBytes(12).toString('hex')}`,
    agentId: request.agentId,
    task: request.task,
    constraints: request.constraints ?? [],
    policy: request.policy ?? {},
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
