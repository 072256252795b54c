import type { Step } from '../steps.ts';

/** The trajectory formats Wink reads. `canonical` is Wink's own lossless format: one Step per line. */
export const TRAJECTORY_FORMATS = [
  'swe-agent',
  'openhands',
  'openai-chat',
  'openai-responses',
  'claude-code',
  'canonical',
  'openhands-sdk',
  'mini-swe-agent',
] as const;
export type TrajectoryFormat = (typeof TRAJECTORY_FORMATS)[number];

export function isTrajectoryFormat(value: string): value is TrajectoryFormat {
  return (TRAJECTORY_FORMATS as readonly string[]).includes(value);
}

/** A recorded agent run converted to canonical steps (indexes 0..n-1, each valid against StepSchema). */
export interface Trajectory {
  source: string;
  format: TrajectoryFormat;
  /** What the user asked the agent to do, when the recording says. */
  task?: string;
  steps: Step[];
  /** Content the adapter could not map and left out (unknown event kinds, roles, content parts). */
  warnings?: string[];
}

/**
 * A file that is not a trajectory of the expected format. The message names the file, where in it
 * (a line, or a JSON path such as `$.history[3].tool_calls`), and what was expected there, so the
 * CLI can print it as is, without a stack trace.
 */
export class TrajectoryFormatError extends Error {
  override readonly name = 'TrajectoryFormatError';
  constructor(
    readonly file: string,
    readonly location: string,
    readonly expected: string,
    readonly found?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${location}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`, options);
  }
}
