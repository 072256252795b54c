import * as z from 'zod';

/**
 * Thresholds of the deterministic detectors and of the episode rule. Defaults follow the open
 * anchors (OpenHands stuck detector, Gemini CLI loop detection) where they have one, and are set
 * conservatively elsewhere so clean runs are not flagged. A deployment overrides any of them with
 * the WINK_DETECTION_CONFIG JSON environment variable, e.g. `{"actionLoopRepeats": 5}`.
 * docs/taxonomy.md explains each one next to its detector.
 */
export const DetectionThresholdsSchema = z.strictObject({
  /** Identical action+observation pairs in a row that make an action loop (OpenHands: 4). */
  actionLoopRepeats: z.int().min(2).default(4),
  /** Answered actions forming A-B-A-B… with matching observations (OpenHands: 6). */
  alternatingLoopActions: z.int().min(4).default(6),
  /** Identical assistant messages with no action between (OpenHands: 3). */
  monologueRepeats: z.int().min(2).default(3),
  /** Times one sentence repeats inside a single assistant message (Gemini CLI content loop: 10). */
  contentLoopRepeats: z.int().min(2).default(10),
  /** Identical calls in a row, all failing with the same error, that make a repeated failing call (OpenHands: 3). */
  repeatedFailingCallRepeats: z.int().min(2).default(3),
  /** Consecutive tool results that timed out. */
  timeoutStreakRepeats: z.int().min(2).default(3),
  /** Malformed calls (or harness format complaints) within malformedWindowSteps that make an episode. */
  malformedCallRepeats: z.int().min(1).default(2),
  malformedWindowSteps: z.int().min(1).default(15),
  /** no_progress: at least this many tool calls since the last edit … */
  noProgressMinCalls: z.int().min(1).default(20),
  /** … and this many results in a row that only repeat earlier results (nothing new learned). */
  noProgressStaleResults: z.int().min(1).default(8),
  /** no_progress regardless of novelty: this many tool calls without a single edit. */
  noProgressMaxCallsWithoutEdit: z.int().min(1).default(100),
  /** error_ignored: an edit of a path that an error reported missing, within this many steps. */
  errorIgnoredWindowSteps: z.int().min(1).default(12),
  /**
   * Episode rule K (the API contract's default: 5): matches of one subtype fewer than K steps apart
   * are one episode; K quiet steps close it. An agent turn is about three steps (assistant,
   * tool_call, tool_result), so the same hanging `vim` on the next turn is the same episode;
   * deployments whose agents interleave more steps raise it.
   */
  episodeGapSteps: z.int().min(1).default(5),
  /** Resolution window M: an episode whose last match falls within M steps of its intervention counts as resolved. */
  resolutionWindowSteps: z.int().min(1).default(10),
});
export type DetectionThresholds = z.infer<typeof DetectionThresholdsSchema>;

export const DEFAULT_THRESHOLDS: DetectionThresholds = DetectionThresholdsSchema.parse({});

/** Thresholds from WINK_DETECTION_CONFIG (JSON); defaults for anything it leaves out. Throws with the offending field. */
export function parseThresholds(json: string | undefined): DetectionThresholds {
  if (!json?.trim()) return DEFAULT_THRESHOLDS;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`WINK_DETECTION_CONFIG is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = DetectionThresholdsSchema.safeParse(value);
  if (!parsed.success) throw new Error(`WINK_DETECTION_CONFIG is invalid: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}
