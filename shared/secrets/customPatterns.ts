import retModule, { type Root, type Token } from 'ret';
import safeRegex from 'safe-regex2';
import * as z from 'zod';
import type { SecretRule } from './rules.ts';
import { KIND_SYNTAX } from './scrubber.ts';

// ret is CommonJS whose module.exports is the tokenizer itself, with `types` hung on it.
const tokenize = retModule as unknown as (source: string) => Root;
const { types } = retModule;

/**
 * Operators' own secret shapes (`WINK_SECRET_PATTERNS`, README "Secrets"): named regular
 * expressions scrubbed like the built-in ones. A pattern runs over every step an agent sends, so
 * only patterns whose cost stays linear are accepted: no nested quantifiers (safe-regex2), every
 * quantifier bounded (a variable one tighter than a fixed count), no backreferences or lookarounds, and never an empty match. A pattern that
 * breaks a rule is refused with a message naming it, at cold start, not on the first step.
 */
export const MAX_CUSTOM_PATTERNS = 32;
export const MAX_PATTERN_CHARS = 256;
/** Upper bound of a fixed count: `{100}`, never `+`, `*` or `{8,}`. */
export const MAX_REPEAT = 256;
/** Upper bound of a variable count (`{8,64}`): each extra length is one more try at every position. */
export const MAX_VARIABLE_REPEAT = 64;
/** Quantifiers per pattern (safe-regex2's repetition limit). */
export const MAX_QUANTIFIERS = 10;

const PatternEntrySchema = z.strictObject({
  kind: z.string().regex(KIND_SYNTAX, 'must be snake_case: a lower-case letter, then up to 39 lower-case letters, digits or _'),
  pattern: z.string().min(1).max(MAX_PATTERN_CHARS),
  ignoreCase: z.boolean().optional(),
});
export type SecretPatternEntry = z.infer<typeof PatternEntrySchema>;

/** `[{ "kind", "pattern", "ignoreCase"? }]`, or the shorthand `{ "<kind>": "<pattern>" }`. */
export const SecretPatternsSchema = z
  .union([
    z.array(PatternEntrySchema).max(MAX_CUSTOM_PATTERNS),
    z.record(z.string(), z.string()).transform((byKind) => Object.entries(byKind).map(([kind, pattern]) => ({ kind, pattern }))).pipe(z.array(PatternEntrySchema).max(MAX_CUSTOM_PATTERNS)),
  ])
  .superRefine((entries, ctx) => {
    entries.forEach((entry, i) => {
      const problem = patternProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', path: [i, 'pattern'], message: `${entry.kind}: ${problem}` });
    });
  });

export class SecretPatternsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretPatternsError';
  }
}

/** Parses the JSON of WINK_SECRET_PATTERNS into rules; throws SecretPatternsError naming what is wrong. */
export function parseSecretPatterns(json: string | undefined, source = 'WINK_SECRET_PATTERNS'): SecretRule[] {
  if (json === undefined || json.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new SecretPatternsError(`${source} must be JSON like [{"kind":"acme_token","pattern":"acme_[A-Za-z0-9]{32}"}]`, { cause: error });
  }
  const parsed = SecretPatternsSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${[source, ...issue.path].join('.')}: ${issue.message}`);
    throw new SecretPatternsError(`Invalid ${source}: ${issues.join('; ')}`);
  }
  return parsed.data.map((entry) => ({ kind: entry.kind, pattern: new RegExp(entry.pattern, entry.ignoreCase ? 'gi' : 'g') }));
}

/** Why a pattern is refused, or undefined when it is safe to run on anything an agent sends. */
export function patternProblem(entry: Pick<SecretPatternEntry, 'pattern' | 'ignoreCase'>): string | undefined {
  let compiled: RegExp;
  try {
    compiled = new RegExp(entry.pattern, entry.ignoreCase ? 'i' : '');
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  if (compiled.test('')) return 'matches the empty string; a secret has at least one character';
  let root: Root;
  try {
    root = tokenize(entry.pattern);
  } catch {
    return 'uses syntax Wink cannot check for safety (such as a lookbehind); write it with plain groups and classes';
  }
  const unsafe = findUnsafeToken(root);
  if (unsafe) return unsafe;
  if (!safeRegex(entry.pattern, { limit: MAX_QUANTIFIERS })) {
    return `nests quantifiers (like (a{1,9}){1,9}) or has more than ${MAX_QUANTIFIERS} of them: its cost could grow faster than the text`;
  }
  return undefined;
}

function findUnsafeToken(token: Token | Root): string | undefined {
  switch (token.type) {
    case types.REFERENCE:
      return 'uses a backreference (\\1), which can take exponential time';
    case types.REPETITION:
      if (token.max > MAX_REPEAT) {
        return `has an unbounded or long quantifier (*, +, {n,} or above {${MAX_REPEAT}}): bound it, e.g. {1,${MAX_VARIABLE_REPEAT}}`;
      }
      if (token.min !== token.max && token.max > MAX_VARIABLE_REPEAT) {
        return `has a variable quantifier above {0,${MAX_VARIABLE_REPEAT}}: use at most {n,${MAX_VARIABLE_REPEAT}}, or a fixed count up to {${MAX_REPEAT}}`;
      }
      return findUnsafeToken(token.value);
    case types.GROUP:
      if (token.followedBy || token.notFollowedBy || token.lookBehind) return 'uses a lookaround; match the secret itself';
      return findUnsafeIn([...(token.stack ?? []), ...(token.options ?? []).flat()]);
    default: {
      const root = token as { stack?: Token[]; options?: Token[][] };
      return findUnsafeIn([...(root.stack ?? []), ...(root.options ?? []).flat()]);
    }
  }
}

function findUnsafeIn(tokens: readonly Token[]): string | undefined {
  for (const token of tokens) {
    const problem = findUnsafeToken(token);
    if (problem) return problem;
  }
  return undefined;
}
