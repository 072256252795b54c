import type { Step } from '../steps.ts';
import { ASSIGNED_VALUE, KEY_ASSIGNMENT, TOKEN_RULES, credentialKind, isPlaceholderValue, type SecretRule } from './rules.ts';

/**
 * Replaces every secret Wink recognises with `[REDACTED:<kind>]`. The replacement depends only on
 * the kind, never on the secret, so two identical commands still compare equal after scrubbing
 * (detectors count repeats) and scrubbing a second time changes nothing: markers are never
 * rewritten, and text that holds no secret comes out as it went in.
 */
export interface SecretScrubber {
  scrubText(text: string): string;
  /** A step with its content and every string in its tool input scrubbed. */
  scrubStep(step: Step): Step;
}

/** Kinds are short snake_case names: they are part of every stored marker. */
export const KIND_SYNTAX = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_KIND_CHARS = 40;
export const MARKER_PREFIX = '[REDACTED:';
/** The longest marker a secret can become: what scrubbing may add per secret, at most. */
export const MAX_MARKER_CHARS = MARKER_PREFIX.length + MAX_KIND_CHARS + 1;
const MARKER = /\[REDACTED:[a-z][a-z0-9_]{0,39}\]/g;

export const marker = (kind: string): string => `${MARKER_PREFIX}${kind}]`;

/** Markers in a text: how many secrets it shows redacted. */
export function countMarkers(text: string): number {
  return text.includes(MARKER_PREFIX) ? text.match(MARKER)?.length ?? 0 : 0;
}

/**
 * A scrubber with the built-in rules and `extraRules` (config, shared/secrets/customPatterns.ts),
 * which run first so an operator's kind names what it claims.
 */
export function createSecretScrubber(extraRules: readonly SecretRule[] = [], options: { leadingRules?: readonly SecretRule[] } = {}): SecretScrubber {
  const rules = [...(options.leadingRules ?? []), ...extraRules, ...TOKEN_RULES];
  const scrubText = (text: string): string => redactAssignments(rules.reduce(applyRule, text));
  return {
    scrubText,
    scrubStep: (step) => ({
      ...step,
      ...(step.content !== undefined ? { content: scrubText(step.content) } : {}),
      ...(step.toolInput !== undefined ? { toolInput: typeof step.toolInput === 'string' ? scrubText(step.toolInput) : scrubObject(step.toolInput, scrubText) } : {}),
    }),
  };
}

/** The built-in rules only: what runs when no patterns are configured. */
export const builtInScrubber: SecretScrubber = createSecretScrubber();

/** Runs one rule on the text between markers, so a marker is never matched or rewritten. */
function applyRule(text: string, rule: SecretRule): string {
  if (!text.includes(MARKER_PREFIX)) return replaceMatches(text, rule);
  let out = '';
  let from = 0;
  MARKER.lastIndex = 0;
  for (let found = MARKER.exec(text); found; found = MARKER.exec(text)) {
    out += replaceMatches(text.slice(from, found.index), rule) + found[0];
    from = found.index + found[0].length;
  }
  return out + replaceMatches(text.slice(from), rule);
}

function replaceMatches(text: string, rule: SecretRule): string {
  rule.pattern.lastIndex = 0;
  return text.replace(rule.pattern, (whole: string, prefix?: unknown) =>
    typeof prefix === 'string' && prefix !== whole && whole.startsWith(prefix) ? `${prefix}${marker(rule.kind)}` : marker(rule.kind));
}

/** `password=hunter2` → `password=[REDACTED:password_pair]`; quotes and an auth scheme stay. */
function redactAssignments(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  KEY_ASSIGNMENT.lastIndex = 0;
  for (let match = KEY_ASSIGNMENT.exec(text); match; match = KEY_ASSIGNMENT.exec(text)) {
    const kind = credentialKind(match[1]!);
    if (!kind) continue;
    const valueStart = match.index + match[0].length;
    ASSIGNED_VALUE.lastIndex = valueStart;
    const value = ASSIGNED_VALUE.exec(text);
    if (!value) continue;
    const [, scheme = '', doubleQuoted, singleQuoted, bare] = value;
    const secret = doubleQuoted ?? singleQuoted ?? bare ?? '';
    if (secret.startsWith(MARKER_PREFIX) || isPlaceholderValue(secret)) continue;
    const quote = doubleQuoted !== undefined ? '"' : singleQuoted !== undefined ? "'" : '';
    out += `${text.slice(copiedUpTo, valueStart)}${scheme}${quote}${marker(kind)}${quote}`;
    copiedUpTo = valueStart + value[0].length;
    KEY_ASSIGNMENT.lastIndex = copiedUpTo;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Tool input objects: a string under a credential key is a secret whatever it looks like. */
function scrubObject(value: Record<string, unknown>, scrubText: (text: string) => string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubEntry(key, item, scrubText)]));
}

function scrubEntry(key: string | undefined, item: unknown, scrubText: (text: string) => string): unknown {
  if (typeof item === 'string') {
    const kind = key === undefined ? undefined : credentialKind(key);
    return kind && !item.startsWith(MARKER_PREFIX) && !isPlaceholderValue(item) ? marker(kind) : scrubText(item);
  }
  if (Array.isArray(item)) return item.map((element) => scrubEntry(undefined, element, scrubText));
  if (item !== null && typeof item === 'object') return scrubObject(item as Record<string, unknown>, scrubText);
  return item;
}
