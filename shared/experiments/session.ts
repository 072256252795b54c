import * as z from 'zod';

/**
 * What a session carries for shadow mode and experiments. `active`: Wink's guidance reaches the
 * agent. `shadow`: Wink watches and records exactly as for an active session (verdicts, episodes,
 * the intervention it would have sent) but delivers nothing; the intervention is `suppressed`.
 */
export const SESSION_MODES = ['active', 'shadow'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];
export const SessionModeSchema = z.enum(SESSION_MODES);

export const ARMS = ['treatment', 'control'] as const;
export type Arm = (typeof ARMS)[number];

/** The arm decides the mode: treatment sessions get nudges, control sessions are shadowed. */
export const modeOfArm = (arm: Arm): SessionMode => (arm === 'treatment' ? 'active' : 'shadow');

export const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `experiment` at session creation: a name, the share of sessions to treat, or an arm the caller chose. */
export const ExperimentRequestSchema = z.strictObject({
  name: z.string().regex(EXPERIMENT_NAME, 'experiment.name: 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  treatmentShare: z.number().min(0).max(1).optional(),
  arm: z.enum(ARMS).optional(),
});
export type ExperimentRequest = z.infer<typeof ExperimentRequestSchema>;

/** Stored on the session and returned at creation. */
export interface SessionExperiment {
  name: string;
  arm: Arm;
  /** The share the arm was drawn with; absent when the caller stated the arm. */
  treatmentShare?: number;
}

export const SESSION_OUTCOMES = ['success', 'failure', 'abandoned', 'unknown'] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

export interface SessionEnd {
  outcome: SessionOutcome;
  /** How many times an engineer stepped in, when the caller knows. */
  engineerInterventions?: number;
  endedAt: string;
}

/** Body of POST /v1/sessions/{id}/end. */
export const EndSessionSchema = z.strictObject({
  outcome: z.enum(SESSION_OUTCOMES),
  engineerInterventions: z.int().min(0).max(1_000_000).optional(),
});
export type EndSessionRequest = z.infer<typeof EndSessionSchema>;
