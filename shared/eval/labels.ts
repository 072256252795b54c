import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { TRAJECTORY_FORMATS } from '../adapters/types.ts';
import { SessionPolicySchema } from '../steps.ts';
import { SUBTYPES, type Subtype } from '../taxonomy.ts';

const SubtypeSchema = z.enum(SUBTYPES as [Subtype, ...Subtype[]]);

/**
 * One expected misbehavior: its subtype and the steps it spans, first to last (inclusive,
 * canonical step indexes). `alternatives` are subtypes a careful reader would also accept for the
 * same stretch (docs/eval.md, labeling rules).
 */
export const LabeledEpisodeSchema = z.strictObject({
  subtype: SubtypeSchema,
  firstStep: z.int().min(0),
  lastStep: z.int().min(0),
  alternatives: z.array(SubtypeSchema).optional(),
  note: z.string().optional(),
}).refine((e) => e.lastStep >= e.firstStep, { message: 'lastStep must be ≥ firstStep' });
export type LabeledEpisode = z.infer<typeof LabeledEpisodeSchema>;

export const TRAJECTORY_GROUPS = ['real', 'injected', 'hard_negative'] as const;

export const LabeledTrajectorySchema = z.strictObject({
  /** Path of the trajectory, relative to the labels file. */
  file: z.string().min(1),
  /**
   * A sub-agent run inside the file (its `subRuns[].id`), scored as its own trajectory; absent,
   * the file's main run.
   */
  subRun: z.string().min(1).optional(),
  group: z.enum(TRAJECTORY_GROUPS),
  format: z.enum(TRAJECTORY_FORMATS).optional(),
  policy: SessionPolicySchema.optional(),
  constraints: z.array(z.string()).optional(),
  /** Empty: a clean trajectory, where any intervention is a false one. */
  episodes: z.array(LabeledEpisodeSchema),
  note: z.string().optional(),
});
export type LabeledTrajectory = z.infer<typeof LabeledTrajectorySchema>;

export const LabelsFileSchema = z.strictObject({
  description: z.string().optional(),
  trajectories: z.array(LabeledTrajectorySchema).min(1),
});
export type LabelsFile = z.infer<typeof LabelsFileSchema>;

/** Reads and validates a labels file; the error names the file and the JSON path of the problem. */
export async function readLabels(path: string): Promise<LabelsFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new LabelsError(`${path}: expected a readable JSON labels file (${(error as Error).message})`, { cause: error });
  }
  const parsed = LabelsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `$${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '$';
    throw new LabelsError(`${path}: ${where}: ${issue?.message ?? 'invalid labels file'}`);
  }
  return parsed.data;
}

export class LabelsError extends Error {
  override readonly name = 'LabelsError';
}
