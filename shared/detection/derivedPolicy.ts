import type { SessionPolicy } from '../steps.ts';

/**
 * Instructions in the task text that a policy can enforce ("DO NOT MODIFY: tests", "don't touch
 * setup.py", "do not push"), turned into the structured `policy` the constraint detector checks.
 * Pure: the same task always derives the same policy, at session creation and in replay alike.
 * Only clear imperatives count; anything the rules cannot map (e.g. "do not change the public
 * API") is left to the free-text constraints and the LLM judge.
 */
export interface DerivedPolicy {
  policy: SessionPolicy;
  /** The task's own words each rule came from, shown in the session summary. */
  phrases: string[];
}

/** Where the policy a session enforces came from. */
export interface PolicyOrigin {
  source: 'explicit' | 'derived' | 'none';
  /** For a derived policy: the task phrases it was read from. */
  phrases?: string[];
}

/** "do not modify: tests", "DON'T EDIT the test files", "must not change setup.py or docs/". */
const DO_NOT_MODIFY = /\b(?:do not|don't|dont|never|must not|mustn't|should not|shouldn't|may not|cannot|can't)\s+(?:modify|edit|change|touch|alter|rewrite|update|delete|remove)\b[ \t]*(?:any[ \t]+)?(?:of[ \t]+)?(?:the[ \t]+)?[:\-–—]?[ \t]*([^\n]+)/gi;
/**
 * "do not push", "don't commit", "never run git push" — unqualified only: "Never push directly to
 * main" (a real Claude Code worker prompt) forbids one target, which a command rule cannot tell.
 */
const DO_NOT_GIT = /\b(?:do not|don't|dont|never|must not|mustn't|should not)\s+(?:run\s+)?(?:`)?(?:git\s+)?(push|commit|force[- ]push)\b(?!\s+(?:directly|to|into|onto|on|from|--force|-f\b|the\s+\S+\s+branch))/gi;

/**
 * A project's test suite: its test directories. Loose `test_*.py` files are left out on purpose —
 * agents write scratch reproductions with such names at the root (a real mini-SWE-agent run told
 * "DO NOT MODIFY: Tests" creates test_username_validator.py to reproduce the bug), which is not
 * touching the tests.
 */
export const TEST_FILE_GLOBS = ['**/tests/**', '**/test/**', '**/__tests__/**', '**/spec/**', '**/testing/**'] as const;

const TESTS_WORD = /^(?:all |any |existing |the |unit |these |those )*tests?(?: (?:files?|suites?|cases?|directory|folder|code))?$/i;
const PATH_LIKE = /^[\w.*\-/]+$/;
const MAX_TARGETS = 20;

export function derivePolicyFromTask(task: string): DerivedPolicy {
  const paths = new Set<string>();
  const commands = new Set<string>();
  const phrases: string[] = [];
  for (const match of task.matchAll(DO_NOT_MODIFY)) {
    const targets = targetsOf(match[1] ?? '');
    const globs = targets.flatMap(globsFor);
    if (globs.length === 0) continue;
    globs.forEach((glob) => paths.add(glob));
    phrases.push(match[0].trim().slice(0, 200));
  }
  for (const match of task.matchAll(DO_NOT_GIT)) {
    const verb = match[1]!.toLowerCase();
    commands.add(verb === 'commit' ? 'git commit' : 'git push');
    phrases.push(match[0].trim());
  }
  const policy: SessionPolicy = {
    ...(paths.size > 0 ? { forbiddenPaths: [...paths] } : {}),
    ...(commands.size > 0 ? { forbiddenCommands: [...commands] } : {}),
  };
  return { policy, phrases };
}

/** An explicit policy wins outright (an empty one switches derivation off); otherwise the task's. */
export function effectivePolicy(explicit: SessionPolicy | undefined, task: string): { policy: SessionPolicy; origin: PolicyOrigin } {
  if (explicit !== undefined) return { policy: explicit, origin: { source: 'explicit' } };
  const derived = derivePolicyFromTask(task);
  if (derived.phrases.length === 0) return { policy: {}, origin: { source: 'none' } };
  return { policy: derived.policy, origin: { source: 'derived', phrases: derived.phrases } };
}

/** The things named after "do not modify", up to the end of the sentence: "tests, setup.py and docs/". */
function targetsOf(rest: string): string[] {
  const sentence = rest.split(/[.!;](?:\s|$)|\s\((?!\S*\))/)[0] ?? '';
  return sentence
    .split(/\s*(?:,|\band\b|\bor\b|\bnor\b)\s*/i)
    .map((t) => t.trim().replace(/^[`'"]+|[`'"]+$/g, '').replace(/[.:]+$/, ''))
    .filter(Boolean)
    .slice(0, MAX_TARGETS);
}

function globsFor(target: string): string[] {
  if (TESTS_WORD.test(target)) return [...TEST_FILE_GLOBS];
  const path = target.replace(/^(?:the |any )+/i, '').replace(/ (?:file|files|directory|folder|dir)$/i, '').trim();
  // A path names a file or directory: it has a slash, an extension or a wildcard.
  if (!PATH_LIKE.test(path) || !/[/.*]/.test(path) || /^\.+$/.test(path)) return [];
  if (path.includes('*')) return [path];
  const bare = path.replace(/\/+$/, '');
  return path.endsWith('/') || !/\.[\w]+$/.test(bare) ? [bare, `${bare}/**`] : [bare];
}
