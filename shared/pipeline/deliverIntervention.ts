import type { NotificationMessage } from '../queue/sqsQueues.ts';
import { toPublicIntervention, type DeliveryRecord, type InterventionRecord, type SessionRecord } from '../records.ts';
import type { WebhookAttempt } from '../webhook/postWebhook.ts';
import { isRetryableStatus, retryDelayAfter } from '../webhook/retryPolicy.ts';
import { signWebhookBody } from '../webhook/signature.ts';

export interface DeliverDeps {
  store: {
    getSession(sessionId: string): Promise<SessionRecord | undefined>;
    getIntervention(sessionId: string, episodeId: string): Promise<InterventionRecord | undefined>;
    recordDelivery(sessionId: string, episodeId: string, delivery: DeliveryRecord): Promise<void>;
  };
  post: (url: string, body: string, headers: Record<string, string>) => Promise<WebhookAttempt>;
  retryDelaysSeconds: readonly number[];
  now: () => number;
}

export type DeliveryOutcome =
  | { status: 'delivered' | 'already_delivered' | 'no_webhook' | 'gone' | 'rejected' | 'suppressed' }
  /** Retry after the delay; the caller hides the SQS message that long and reports it failed. */
  | { status: 'retry'; retryAfterSeconds: number; reason: string }
  /** The last attempt failed: recorded as failed; the caller lets SQS dead-letter the message. */
  | { status: 'exhausted'; reason: string };

/**
 * One delivery attempt of an intervention to the session's webhook. `attempt` is 1-based (SQS's
 * ApproximateReceiveCount). Signed per attempt (fresh timestamp) over the exact bytes sent, with
 * the same Wink-Delivery-Id every time so receivers can deduplicate. Agents without a webhook
 * poll GET /v1/sessions/{id}/interventions instead.
 */
export async function deliverIntervention(deps: DeliverDeps, message: NotificationMessage, attempt: number): Promise<DeliveryOutcome> {
  const intervention = await deps.store.getIntervention(message.sessionId, message.episodeId);
  const session = intervention && (await deps.store.getSession(message.sessionId));
  if (!intervention || !session) return { status: 'gone' };
  if (intervention.delivery.status === 'delivered') return { status: 'already_delivered' };
  // A shadow session's intervention is never sent, however it reached the queue.
  if (intervention.delivery.status === 'suppressed') return { status: 'suppressed' };
  if (!session.webhookUrl || !session.webhookSecret) {
    await deps.store.recordDelivery(message.sessionId, message.episodeId, { status: 'not_applicable', attempts: 0 });
    return { status: 'no_webhook' };
  }

  const body = JSON.stringify(toPublicIntervention(intervention));
  const nowMs = deps.now();
  const result = await deps.post(session.webhookUrl, body, {
    'Wink-Delivery-Id': intervention.interventionId,
    'Wink-Signature': signWebhookBody(session.webhookSecret, body, Math.floor(nowMs / 1000)),
  });
  const attemptedAt = new Date(nowMs).toISOString();
  const base: DeliveryRecord = {
    status: 'pending',
    attempts: Math.max(attempt, intervention.delivery.attempts + 1),
    lastAttemptAt: attemptedAt,
    ...(result.kind === 'response' ? { lastStatusCode: result.status } : { lastError: result.message }),
  };
  const record = (delivery: Partial<DeliveryRecord>) =>
    deps.store.recordDelivery(message.sessionId, message.episodeId, { ...base, ...delivery });

  if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
    await record({ status: 'delivered', deliveredAt: attemptedAt });
    return { status: 'delivered' };
  }
  if (result.kind === 'response' && !isRetryableStatus(result.status)) {
    await record({ status: 'failed' });
    return { status: 'rejected' };
  }
  const reason = result.kind === 'response' ? `HTTP ${result.status}` : result.message;
  const delay = retryDelayAfter(attempt, deps.retryDelaysSeconds);
  if (delay === null) {
    await record({ status: 'failed' });
    return { status: 'exhausted', reason };
  }
  await record({});
  return { status: 'retry', retryAfterSeconds: delay, reason };
}
