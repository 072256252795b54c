import { describe, expect, it } from 'vitest';
import { guidanceFor, redactSecrets } from '../../shared/detection/guidance.ts';
import { REDACTION_PATTERNS } from '../../shared/detection/redaction.ts';
import { buildPrompt } from '../../shared/judge/prompt.ts';

/**
 * Redaction runs on text an agent controls. These inputs made the old patterns quadratic (a
 * 256 KB step took minutes); each must now complete and come out right. Speed itself is measured
 * in `npm run bench` (redaction.worstCase256KiB), not asserted here.
 */
const KIB = 1024;
const WORST_CASES: Record<string, string> = {
  'one letter run': 'a'.repeat(256 * KIB),
  'one digit run': '7'.repeat(256 * KIB),
  'a run of JWT starts': '-eyJ'.repeat(64 * KIB),
  'a run of URL-scheme starts': 'a.'.repeat(128 * KIB),
  'key-like runs without a separator': 'password_'.repeat(29 * KIB),
  'unclosed quotes after a credential key': 'password="'.repeat(25 * KIB),
  'a run of token prefixes': 'sk-'.repeat(85 * KIB),
  'white space after a key': `token${' '.repeat(256 * KIB)}x`,
};

describe('redactSecrets on adversarial 256 KB input', () => {
  it.each(Object.entries(WORST_CASES))('completes on %s, leaving text without secrets intact', (label, text) => {
    const out = redactSecrets(text);
    if (label.startsWith('one ') || label.includes('URL') || label.includes('white space')) expect(out).toBe(text);
    else expect(out.length).toBeGreaterThan(0);
  });

  it('still finds a secret after a long run', () => {
    const text = `${'a'.repeat(200 * KIB)} db_password=hunter2 then ${'-eyJ'.repeat(KIB)} Bearer abcdefghijklmnop`;
    const out = redactSecrets(text);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).toContain('db_password=[REDACTED:password_pair]');
    expect(out.startsWith('a'.repeat(200 * KIB))).toBe(true);
  });

  it('redacts the value after each credential key, and only there', () => {
    expect(redactSecrets('user=bob password=hunter2 mode=fast')).toBe('user=bob password=[REDACTED:password_pair] mode=fast');
    expect(redactSecrets('{"api_key": "abc def", "name": "x"}')).toBe('{"api_key": "[REDACTED:api_key]", "name": "x"}');
    expect(redactSecrets('a=password=secret1')).toBe('a=password=[REDACTED:password_pair]');
    expect(redactSecrets('Proxy-Authorization: Basic Zm9vOmJhcg==')).toBe('Proxy-Authorization: Basic [REDACTED:basic_auth]');
  });
});

describe('redaction is bounded wherever it runs', () => {
  it('builds guidance from a 256 KB path, quoting only its head', () => {
    const path = `tests/${'a'.repeat(256 * KIB)}`;
    const guidance = guidanceFor({ subtype: 'constraint_violated', evidence: [3], facts: { kind: 'path', path, rule: 'tests/**' } });
    expect(guidance).toContain('tests/aaaa');
    expect(guidance.length).toBeLessThanOrEqual(600);
  });

  it('builds a judge prompt from a 256 KB step, task and tool input, with the secrets in them hidden', () => {
    const run = '-eyJ'.repeat(64 * KIB);
    const secret = 'sk-abcdefghijklmnopqrstuvwx';
    const { messages } = buildPrompt({
      session: { task: `${run} ${secret}`, constraints: [`${run} ${secret}`] },
      steps: [
        { index: 0, type: 'tool_result', content: `${secret} ${run} ${secret}` },
        { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: `${secret} ${run}`, path: run } },
        { index: 2, type: 'tool_call', toolName: 'bash', toolInput: `${run} ${secret}` },
      ],
      flagged: [],
      mode: 'json_schema',
      nonce: 'n0',
      windowSteps: 10,
      maxStepChars: 1200,
      maxUserChars: 40_000,
    });
    expect(messages[1].content).not.toContain(secret);
    expect(messages[1].content.length).toBeLessThan(40_000);
  });
});

/** True when a quantified group holds a quantifier itself, like (a+)+ or (?:x*y)*: exponential backtracking. */
function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = [];
  let quantifiedInside = false;
  for (let i = 0; i < source.length; i += 1) {
    const ch = source[i]!;
    if (ch === '\\') { i += 1; continue; }
    if (ch === '[') {
      for (i += 1; i < source.length && source[i] !== ']'; i += 1) if (source[i] === '\\') i += 1;
      continue;
    }
    if (ch === '(') { groups.push(quantifiedInside); quantifiedInside = false; continue; }
    const isQuantifier = ch === '*' || ch === '+' || ch === '?' || ch === '{';
    if (ch === ')') {
      const inner: boolean = quantifiedInside;
      quantifiedInside = groups.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || next === '{' || (next === '?' && inner);
      if (quantified && inner) return true;
      quantifiedInside ||= inner;
      continue;
    }
    // "(?" opens a group kind, not a quantifier.
    if (isQuantifier && !(ch === '?' && source[i - 1] === '(')) quantifiedInside = true;
  }
  return false;
}

describe('redaction patterns', () => {
  it('have no nested quantifiers', () => {
    expect(hasNestedQuantifier('(a+)+')).toBe(true);
    expect(hasNestedQuantifier('(?:[a-z]*x)*')).toBe(true);
    for (const pattern of REDACTION_PATTERNS) expect(hasNestedQuantifier(pattern.source), pattern.source).toBe(false);
  });
});
