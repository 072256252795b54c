import type { SessionPolicy, Step } from '../steps.ts';
import type { Subtype } from '../taxonomy.ts';
import type { DetectionThresholds } from './config.ts';
import type { SessionMemory } from './memory.ts';

/** What the user asked for: the yardstick for specification drift. */
export interface SessionSpec {
  sessionId: string;
  task: string;
  constraints: string[];
  policy: SessionPolicy;
}

/** A detector's finding at one step. */
export interface Match {
  subtype: Subtype;
  /** Step indexes that make up the pattern, ascending. The first is where the pattern began. */
  evidence: number[];
  /** Facts the guidance template quotes (the repeated command, the error, the constraint …). */
  facts: Record<string, string | number>;
}

export interface DetectorInput {
  /** Memory after the current step; its last summary (memory.recent.at(-1)) is the current step's. */
  memory: SessionMemory;
  session: SessionSpec;
  thresholds: DetectionThresholds;
  /** The current step as received, for the few checks that need its raw text (policy commands). */
  step?: Step;
}

/** One named scenario over the window of recent steps; null when it does not apply. */
export type Detector = (input: DetectorInput) => Match | null;
