/**
 * The misbehavior taxonomy: three families and their subtypes. This constant is the single source
 * used by the API, detectors, metrics and evaluation. Definitions live in docs/taxonomy.md.
 */
export const TAXONOMY = {
  specification_drift: ['constraint_violated', 'scope_creep', 'premature_completion', 'task_abandoned'],
  reasoning_problem: ['action_loop', 'alternating_loop', 'monologue', 'claim_contradicts_evidence', 'no_progress'],
  tool_call_failure: ['repeated_failing_call', 'malformed_call', 'error_ignored', 'interactive_command', 'timeout_streak'],
} as const;

export type Category = keyof typeof TAXONOMY;
export type Subtype = (typeof TAXONOMY)[Category][number];

export const CATEGORIES = Object.keys(TAXONOMY) as Category[];
export const SUBTYPES = CATEGORIES.flatMap((category) => [...TAXONOMY[category]]) as Subtype[];

const categoryBySubtype = new Map<Subtype, Category>(
  CATEGORIES.flatMap((category) => TAXONOMY[category].map((subtype) => [subtype, category] as const)),
);

export function categoryOf(subtype: Subtype): Category {
  const category = categoryBySubtype.get(subtype);
  if (!category) throw new Error(`Unknown subtype: ${subtype}`);
  return category;
}

export function isSubtype(value: string): value is Subtype {
  return categoryBySubtype.has(value as Subtype);
}

/**
 * When one stretch of steps matches several detectors it is one misbehavior, reported under the
 * most specific subtype. Lower rank = more specific. A repeated failing call is also an action
 * loop, and an alternating loop of failing calls is also no progress, so the narrower reading wins.
 */
export const SPECIFICITY_RANK: Record<Subtype, number> = {
  constraint_violated: 0,
  interactive_command: 1,
  malformed_call: 2,
  timeout_streak: 3,
  repeated_failing_call: 4,
  premature_completion: 5,
  claim_contradicts_evidence: 6,
  error_ignored: 7,
  action_loop: 8,
  alternating_loop: 9,
  monologue: 10,
  task_abandoned: 11,
  scope_creep: 12,
  no_progress: 13,
};
