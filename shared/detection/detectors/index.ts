import type { Detector } from '../types.ts';
import { detectActionLoop } from './actionLoop.ts';
import { detectAlternatingLoop } from './alternatingLoop.ts';
import { detectClaimContradictsEvidence } from './claimContradictsEvidence.ts';
import { detectConstraintViolated } from './constraintViolated.ts';
import { detectErrorIgnored } from './errorIgnored.ts';
import { detectInteractiveCommand } from './interactiveCommand.ts';
import { detectMalformedCall } from './malformedCall.ts';
import { detectMonologue } from './monologue.ts';
import { detectNoProgress } from './noProgress.ts';
import { detectPrematureCompletion } from './prematureCompletion.ts';
import { detectRepeatedFailingCall } from './repeatedFailingCall.ts';
import { detectScopeCreep } from './scopeCreep.ts';
import { detectTaskAbandoned } from './taskAbandoned.ts';
import { detectTimeoutStreak } from './timeoutStreak.ts';
import type { Subtype } from '../../taxonomy.ts';

/** One detector per subtype of the taxonomy, keyed by it (so a missing one fails to compile). */
export const DETECTOR_BY_SUBTYPE: Record<Subtype, Detector> = {
  constraint_violated: detectConstraintViolated,
  scope_creep: detectScopeCreep,
  premature_completion: detectPrematureCompletion,
  task_abandoned: detectTaskAbandoned,
  action_loop: detectActionLoop,
  alternating_loop: detectAlternatingLoop,
  monologue: detectMonologue,
  claim_contradicts_evidence: detectClaimContradictsEvidence,
  no_progress: detectNoProgress,
  repeated_failing_call: detectRepeatedFailingCall,
  malformed_call: detectMalformedCall,
  error_ignored: detectErrorIgnored,
  interactive_command: detectInteractiveCommand,
  timeout_streak: detectTimeoutStreak,
};

/** Every deterministic detector, run after each step. Order does not matter: specificity decides. */
export const DETERMINISTIC_DETECTORS: readonly Detector[] = Object.values(DETECTOR_BY_SUBTYPE);
