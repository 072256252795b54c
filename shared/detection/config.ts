import { z } from 'zod';

/**
 * Thresholds of the deterministic detectors and of the episode rule. Defaults follow the open
 * anchors (OpenHands stuck detector, Gemini CLI loop detection); a deployment overrides any of
 * them with the WINK_DETECTION_CONFIG JSON environment variable.
 */
export const DetectionThresholdsSchema = z.strictObject({
  /** Identical action+observation pairs in a row that make an action loop (OpenHands: 4). */
  actionLoopRepeats: z.int().min(2).default(4),
  /** Identical calls in a row, all failing with the same error, that make a repeated failing call (OpenHands: 3). */
  repeatedFailingCallRepeats: z.int().min(2).default(3),
  /** Episode rule K: matches of one subtype fewer than K steps apart are one episode; K quiet steps close it. */
  episodeGapSteps: z.int().min(1).default(5),
  /** Resolution window M: an episode whose last match falls within M steps of its intervention counts as resolved. */
  resolutionWindowSteps: z.int().min(1).default(10),
});
export type DetectionThresholds = z.infer<typeof DetectionThresholdsSchema>;

export const DEFAULT_THRESHOLDS: DetectionThresholds = DetectionThresholdsSchema.parse({});

export function parseThresholds(json: string | undefined): DetectionThresholds {
  if (!json) return DEFAULT_THRESHOLDS;
  return DetectionThresholdsSchema.parse(JSON.parse(json));
}
