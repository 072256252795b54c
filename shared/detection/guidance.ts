import type { Subtype } from '../taxonomy.ts';
import { truncate } from './normalize.ts';
import type { Match } from './types.ts';

export const MAX_GUIDANCE_CHARS = 600;

type Template = (facts: Record<string, string | number>, steps: string) => string;

/**
 * Deterministic guidance per subtype: a short system reminder that names the steps, what was
 * repeated or violated, and what to do instead. Subtypes without a template of their own use the
 * generic one until their detector lands with one.
 */
const TEMPLATES: Partial<Record<Subtype, Template>> = {
  repeated_failing_call: (f, steps) =>
    `You have run \`${f.command}\` ${f.repeats} times (steps ${steps}) and it failed the same way each time: "${f.error}". ` +
    'Running it again will not change the result. Read the error, change the command or fix its cause ' +
    '(missing file, wrong path, missing dependency, wrong arguments) before retrying.',
  action_loop: (f, steps) =>
    `You have repeated \`${f.command}\` ${f.repeats} times (steps ${steps}) and got the same output each time. ` +
    'You are in a loop. Stop repeating it: use what the output already told you, or take a different action ' +
    'that makes progress on the task.',
};

const GENERIC: Template = (f, steps) =>
  `Wink noticed ${String(f.summary ?? 'a misbehavior')} (steps ${steps}). Step back, re-read the task and the latest tool output, and change course.`;

export function guidanceFor(match: Match): string {
  const template = TEMPLATES[match.subtype] ?? GENERIC;
  const facts = Object.fromEntries(
    Object.entries(match.facts).map(([key, value]) => [key, typeof value === 'string' ? redactSecrets(value) : value]),
  );
  return truncate(`[Wink] ${template(facts, describeSteps(match.evidence))}`, MAX_GUIDANCE_CHARS);
}

/** "3-8" for a contiguous run, "3, 5, 9" otherwise, shortened when long. */
export function describeSteps(indexes: readonly number[]): string {
  if (indexes.length === 0) return 'recent';
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted.at(-1)!;
  if (sorted.length > 2 && last - first + 1 === sorted.length) return `${first}-${last}`;
  return sorted.length > 6 ? `${sorted.slice(0, 5).join(', ')} … ${last}` : sorted.join(', ');
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g,
  /((?:password|passwd|secret|token|api[_-]?key|authorization)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g,
];

/** Guidance quotes commands and errors; never let credentials in them travel back out. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (out, pattern) => out.replace(pattern, (whole, prefix?: string) =>
      typeof prefix === 'string' && whole.startsWith(prefix) && prefix !== whole ? `${prefix}[redacted]` : '[redacted]'),
    text,
  );
}
