import { ApiError } from '../api/apiError.ts';
import type { SessionRecord } from '../records.ts';
import { newWebhookSecret } from '../webhook/signature.ts';

/** How long deliveries stay signed with the rotated-out secret too: time to deploy the new one. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

export interface RotateSecretDeps {
  store: { rotateWebhookSecret(sessionId: string, expectedSecret: string, newSecret: string, previousValidUntil: string): Promise<boolean> };
  now: () => number;
}

/**
 * POST /v1/sessions/{id}/webhook-secret: a new secret, returned here only. For 24 h deliveries
 * carry a signature with each secret, so receivers can switch without missing one.
 */
export async function rotateWebhookSecret(deps: RotateSecretDeps, session: SessionRecord): Promise<{ webhookSecret: string; previousSecretValidUntil: string }> {
  if (!session.webhookUrl || !session.webhookSecret) {
    throw new ApiError(409, 'no_webhook', `Session ${session.sessionId} has no webhook, so no secret to rotate`);
  }
  const webhookSecret = newWebhookSecret();
  const previousSecretValidUntil = new Date(deps.now() + PREVIOUS_SECRET_GRACE_MS).toISOString();
  if (!(await deps.store.rotateWebhookSecret(session.sessionId, session.webhookSecret, webhookSecret, previousSecretValidUntil))) {
    throw new ApiError(409, 'rotation_conflict', 'The webhook secret was rotated by another request at the same time; rotate again if you did not get that secret');
  }
  return { webhookSecret, previousSecretValidUntil };
}

/** The secrets a delivery at `nowMs` is signed with: the current one, and the previous one during its grace period. */
export function signingSecrets(session: SessionRecord, nowMs: number): string[] {
  const previous = session.previousWebhookSecret;
  const until = session.previousWebhookSecretValidUntil ? Date.parse(session.previousWebhookSecretValidUntil) : 0;
  return [session.webhookSecret!, ...(previous && until > nowMs ? [previous] : [])];
}
