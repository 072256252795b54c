import { createHash } from 'node:crypto';
import { modeOfArm, type Arm, type ExperimentRequest, type SessionExperiment, type SessionMode } from './session.ts';

/** Used when neither the request nor the deployment names a share. */
export const DEFAULT_TREATMENT_SHARE = 0.5;
const UNIT_BITS = 48;

/**
 * A point in [0, 1) fixed by (experiment, agent, session): SHA-256 spreads ids evenly, so the same
 * session always lands in the same place and no session's place depends on any other's — the
 * assignment is independent of arrival order and can be recomputed by anyone later. A new
 * experiment name reshuffles everyone, so experiments do not share their treated sessions.
 */
export function assignmentPoint(experimentName: string, agentId: string, sessionId: string): number {
  const digest = createHash('sha256').update(`${experimentName}\n${agentId}\n${sessionId}`).digest();
  return digest.readUIntBE(0, UNIT_BITS / 8) / 2 ** UNIT_BITS;
}

/** `treatment` for the first `treatmentShare` of the unit interval, `control` for the rest. */
export function assignArm(experimentName: string, treatmentShare: number, agentId: string, sessionId: string): Arm {
  return assignmentPoint(experimentName, agentId, sessionId) < treatmentShare ? 'treatment' : 'control';
}

/**
 * The session's experiment and mode: a stated arm wins; otherwise the arm is drawn by hash; the
 * arm decides the mode (treatment = active, control = shadow). Outside an experiment the requested
 * mode, else the deployment's default, applies.
 */
export function resolveSessionMode(
  input: { agentId: string; sessionId: string; mode?: SessionMode | undefined; experiment?: ExperimentRequest | undefined },
  defaults: { mode?: SessionMode | undefined; experiment?: ExperimentRequest | undefined },
): { mode: SessionMode; experiment?: SessionExperiment } {
  const requested = input.experiment ?? defaults.experiment;
  if (!requested) return { mode: input.mode ?? defaults.mode ?? 'active' };
  if (requested.arm) return { mode: modeOfArm(requested.arm), experiment: { name: requested.name, arm: requested.arm } };
  const treatmentShare = requested.treatmentShare ?? DEFAULT_TREATMENT_SHARE;
  const arm = assignArm(requested.name, treatmentShare, input.agentId, input.sessionId);
  return { mode: modeOfArm(arm), experiment: { name: requested.name, arm, treatmentShare } };
}
