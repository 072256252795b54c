import type { Episode } from './detection/episodes.ts';
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
  webhookUrl?: string;
  webhookSecret?: string;
  /** Hash of the API key that created the session: other keys cannot see it. */
  ownerKeyHash: string;
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

export interface DeliveryRecord {
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt?: string;
  lastStatusCode?: number;
  lastError?: string;
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

/** The API's and the webhook's view of an intervention: delivery bookkeeping stays internal. */
export function toPublicIntervention(record: InterventionRecord): Intervention {
  const { interventionId, sessionId, episodeId, category, subtype, guidance, evidence, createdAt } = record;
  return { interventionId, sessionId, episodeId, category, subtype, guidance, evidence, createdAt };
}
