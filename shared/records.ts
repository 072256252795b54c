import type { Episode } from './detection/episodes.ts';
import type { PolicyOrigin } from './detection/derivedPolicy.ts';
import type { DetectionState, Verdict } from './detection/engine.ts';
import type { SessionPolicy, Step } from './steps.ts';
import type { Category, Subtype } from './taxonomy.ts';
import type { SessionEnd, SessionExperiment, SessionMode } from './experiments/session.ts';

/** A session as stored: what the user asked for, where to deliver guidance, and detection state. */
export interface SessionRecord {
  sessionId: string;
  agentId: string;
  task: string;
  constraints: string[];
  policy: SessionPolicy;
  /** Where the policy came from; absent on sessions stored before policies were derived. */
  policyOrigin?: PolicyOrigin;
  webhookUrl?: string;
  webhookSecret?: string;
  /** The secret before the last rotation, still signed with until `previousWebhookSecretValidUntil`. */
  previousWebhookSecret?: string;
  previousWebhookSecretValidUntil?: string;
  /**
   * The owner: the tenant id of the API key that created the session (shared/tenancy/apiKeys.ts
   * ownerIdOf), which for a key without a tenant is the key's hash. Keys of other tenants cannot see it.
   */
  ownerKeyHash: string;
  /** The Claude Code session_id a hook-created session belongs to, so DELETE can remove the link. */
  claudeCodeSessionId?: string;
  /** Its Idempotency-Key record's key (a hash), so DELETE can free the key. */
  idempotencyKeyHash?: string;
  createdAt: string;
  detection: DetectionState;
  /** LLM judge bookkeeping (tokens, calls); opaque here, owned by shared/judge. */
  judge?: unknown;
  llmTokens: number;
  /** Optimistic-concurrency counter for detection state. */
  version: number;
  /** `shadow`: watched and recorded, but nothing reaches the agent. Absent on older sessions: active. */
  mode?: SessionMode;
  /** The experiment and arm this session belongs to, when it is in one. */
  experiment?: SessionExperiment;
  /** Set once by POST /v1/sessions/{id}/end; later steps are refused. */
  end?: SessionEnd;
}

export interface StoredStep {
  step: Step;
  fingerprint: string;
  /** Epoch milliseconds when Wink first stored the step; drives the gap wait. */
  receivedAt: number;
}

/** `suppressed`: a shadow session's intervention, recorded but never sent anywhere. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'not_applicable' | 'suppressed';

/**
 * How the last webhook attempt ended, coarsely: exact status codes and socket errors would let a
 * tenant use webhooks as a port scanner, reading the answers off the session summary.
 */
export type DeliveryResult = 'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx' | 'refused' | 'timeout' | 'unreachable' | 'tls' | 'blocked' | 'invalid_target';

export interface DeliveryRecord {
  status: DeliveryStatus;
  /** Webhook attempts made; Wink's own failures (store errors, crashes) are not counted. */
  attempts: number;
  lastAttemptAt?: string;
  lastResult?: DeliveryResult;
  deliveredAt?: string;
  /** When a stranded intervention was last handed to the notifier again (see requeueStranded). */
  requeuedAt?: string;
}

/** The guidance sent for one episode: the API's intervention object plus delivery bookkeeping. */
export interface Intervention {
  interventionId: string;
  sessionId: string;
  episodeId: string;
  category: Category;
  subtype: Subtype;
  guidance: string;
  evidence: { stepIndexes: number[] };
  createdAt: string;
}

export interface InterventionRecord extends Intervention {
  delivery: DeliveryRecord;
  /** When a step reply (or a hook answer) handed it to the agent; set once, conditionally. */
  handedOutAt?: string;
  /** When GET …/interventions first returned it. */
  firstPolledAt?: string;
}

export type { Episode, Verdict };

/**
 * The delivery record as the API shows it: only known fields, so records written before the
 * coarse classes (with exact `lastStatusCode` / `lastError`) do not leak them.
 */
export function toPublicDelivery(delivery: DeliveryRecord): DeliveryRecord {
  const { status, attempts, lastAttemptAt, lastResult, deliveredAt } = delivery;
  return {
    status, attempts,
    ...(lastAttemptAt ? { lastAttemptAt } : {}),
    ...(lastResult ? { lastResult } : {}),
    ...(deliveredAt ? { deliveredAt } : {}),
  };
}

/** The API's and the webhook's view of an intervention: delivery bookkeeping stays internal. */
export function toPublicIntervention(record: InterventionRecord): Intervention {
  const { interventionId, sessionId, episodeId, category, subtype, guidance, evidence, createdAt } = record;
  return { interventionId, sessionId, episodeId, category, subtype, guidance, evidence, createdAt };
}
