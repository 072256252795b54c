import { STEP_TYPES, StepSchema, type Step } from '../steps.ts';
import type { TrajectoryDocument } from './document.ts';
import { listItems, sampleRecords, type LocatedItem } from './items.ts';
import { isRecord, stringField } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * Wink's native, lossless format: JSON Lines with one Step (exactly the API's step object) per line,
 * or a JSON array of them, or `{ "task"?: string, "steps": [...] }`. Indexes must run 0..n-1.
 */
export function looksLikeCanonical(doc: TrajectoryDocument): boolean {
  const first = sampleRecords(canonicalItems(doc), 1)[0];
  return first !== undefined && typeof first.index === 'number' && (STEP_TYPES as readonly unknown[]).includes(first.type);
}

export function convertCanonical(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = canonicalItems(doc);
  if (!items) throw new TrajectoryFormatError(source, '$', 'canonical steps: one step object per line, or an array of them');
  const steps = items.map(({ value, at }): { step: Step; at: string } => {
    const parsed = StepSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'step';
      throw new TrajectoryFormatError(source, at, `a step object (${field}: ${issue?.message ?? 'invalid'})`);
    }
    return { step: parsed.data, at };
  });
  steps.sort((a, b) => a.step.index - b.step.index);
  steps.forEach(({ step, at }, position) => {
    if (step.index !== position) {
      throw new TrajectoryFormatError(source, at, `step index ${position} (indexes run 0..n-1 without gaps or repeats)`, String(step.index));
    }
  });
  const declaredTask = doc.kind === 'json' && isRecord(doc.value) ? stringField(doc.value, 'task') : undefined;
  const task = declaredTask ?? steps.find(({ step }) => step.type === 'user')?.step.content;
  return { ...(task === undefined ? {} : { task }), steps: steps.map(({ step }) => step) };
}

/** A one-line JSONL file parses as a single JSON object: that object is the only step. */
function canonicalItems(doc: TrajectoryDocument): LocatedItem[] | undefined {
  if (doc.kind === 'json' && isRecord(doc.value) && 'index' in doc.value && 'type' in doc.value) return [{ value: doc.value, at: 'line 1' }];
  return listItems(doc, ['steps']);
}
