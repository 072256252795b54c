/**
 * Secret redaction for everything Wink sends back out (guidance, judge prompts). It runs on text an
 * agent controls, so its cost must stay linear in the text's length whatever the text is: every
 * pattern either starts at a literal prefix or at the start of a run (a lookbehind), and every
 * quantifier that could scan far from many starting points is bounded. Callers that keep only a
 * part of a text bound it before redacting (redactClipped).
 */

/** Longest key name ("db_password", "OPENAI_API_KEY") recognised in `key = value`. */
const MAX_KEY_CHARS = 64;
/** Longest quoted value redacted as one ("password: \"correct horse battery\""). */
const MAX_QUOTED_VALUE_CHARS = 1024;

/** Token-shaped secrets: each starts at a literal, consumes its token and never scans a run twice. */
const TOKEN_PATTERNS: RegExp[] = [
  /(Bearer\s{1,16})[A-Za-z0-9._~+/=-]{8,}/g,
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g,
  // The tail of a key whose start was cut off (a clipped text): everything up to its end line.
  /^[\s\S]*?-----END [A-Z ]{0,40}PRIVATE KEY-----/g,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}\b/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}\b/g,
  /\bnpm_[A-Za-z0-9]{30,}\b/g,
  // Only at the start of a token run: "-eyJ-eyJ-eyJ…" must not restart a scan at every "eyJ".
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g,
  /(--(?:password|passwd|token|api-key|secret)[= ])(?:"[^"\n]{0,1024}"|'[^'\n]{0,1024}'|\S+)/gi,
  /((?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{1,256}:)[^\s@/]{1,256}(?=@)/gi,
];

/**
 * `key = value` / `"key": value` where the key names a credential. The key is matched only from
 * the start of its run and at most MAX_KEY_CHARS long; whether it names a credential is decided
 * on the match, not by backtracking through the run looking for "password" at every position.
 */
const KEY_ASSIGNMENT = new RegExp(`(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{1,${MAX_KEY_CHARS}})(["']?[ \\t]{0,16}[=:][ \\t]{0,16})`, 'g');
const CREDENTIAL_KEY = /password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization/i;
const ASSIGNED_VALUE = new RegExp(`"[^"\\n]{0,${MAX_QUOTED_VALUE_CHARS}}"|'[^'\\n]{0,${MAX_QUOTED_VALUE_CHARS}}'|\\S+`, 'y');

/** Every regular expression redaction runs, for tests that check their shape. */
export const REDACTION_PATTERNS: readonly RegExp[] = [...TOKEN_PATTERNS, KEY_ASSIGNMENT, CREDENTIAL_KEY, ASSIGNED_VALUE];

const REDACTED = '[redacted]';

/** Guidance quotes commands and errors; never let credentials in them travel back out. */
export function redactSecrets(text: string): string {
  const tokensHidden = TOKEN_PATTERNS.reduce(
    (out, pattern) => out.replace(pattern, (whole, prefix?: string) =>
      typeof prefix === 'string' && whole.startsWith(prefix) && prefix !== whole ? `${prefix}${REDACTED}` : REDACTED),
    text,
  );
  return redactAssignments(tokensHidden);
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

function redactAssignments(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  KEY_ASSIGNMENT.lastIndex = 0;
  for (let match = KEY_ASSIGNMENT.exec(text); match; match = KEY_ASSIGNMENT.exec(text)) {
    if (!CREDENTIAL_KEY.test(match[1]!)) continue;
    const valueStart = match.index + match[0].length;
    ASSIGNED_VALUE.lastIndex = valueStart;
    const value = ASSIGNED_VALUE.exec(text);
    if (!value || value[0] === REDACTED) continue;
    out += text.slice(copiedUpTo, valueStart) + REDACTED;
    copiedUpTo = valueStart + value[0].length;
    KEY_ASSIGNMENT.lastIndex = copiedUpTo;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
