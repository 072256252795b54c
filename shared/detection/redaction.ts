import { ASSIGNED_VALUE, CLIPPED_PRIVATE_KEY_RULE, KEY_ASSIGNMENT, TOKEN_RULES } from '../secrets/rules.ts';
import { createSecretScrubber } from '../secrets/scrubber.ts';

/**
 * Secret redaction for everything Wink sends back out (guidance, judge prompts): the same rules
 * that scrub steps at ingest (shared/secrets), as a second line for text Wink composed or clipped.
 * Its cost stays linear in the text's length whatever the text is (see shared/secrets/rules.ts);
 * callers that keep only a part of a text bound it before redacting (redactHead).
 */

/** Every regular expression redaction runs, for tests that check their shape. */
export const REDACTION_PATTERNS: readonly RegExp[] = [CLIPPED_PRIVATE_KEY_RULE.pattern, ...TOKEN_RULES.map((rule) => rule.pattern), KEY_ASSIGNMENT, ASSIGNED_VALUE];

// Text Wink clipped may start inside a private key block: its tail is redacted too.
const clippedTextScrubber = createSecretScrubber([], { leadingRules: [CLIPPED_PRIVATE_KEY_RULE] });

/** Guidance quotes commands and errors; never let credentials in them travel back out. */
export function redactSecrets(text: string): string {
  return clippedTextScrubber.scrubText(text);
}

/** Text past a cut is kept this far so a secret straddling the cut is still recognised whole. */
export const REDACTION_MARGIN_CHARS = 1024;

/**
 * The first `keepChars` of `text` (plus a margin), redacted: for callers that show only the head of
 * a text. The text is cut before redaction runs, so the cost follows what is kept, not what was sent.
 */
export function redactHead(text: string, keepChars: number): string {
  const limit = keepChars + REDACTION_MARGIN_CHARS;
  return redactSecrets(text.length > limit ? text.slice(0, limit) : text);
}
