import { describe, expect, it } from 'vitest';
import { readApiConfig } from '../../shared/apiConfig.ts';
import { SecretPatternsError, parseSecretPatterns, patternProblem } from '../../shared/secrets/customPatterns.ts';
import { createSecretScrubber } from '../../shared/secrets/scrubber.ts';

const API_ENV = { WINK_TABLE_NAME: 't', WINK_STEPS_QUEUE_URL: 'http://q' };

describe('WINK_SECRET_PATTERNS', () => {
  it('accepts named, bounded patterns in either form and scrubs with them', () => {
    const rules = parseSecretPatterns('[{"kind":"acme_token","pattern":"acme_[A-Za-z0-9]{32}"},{"kind":"internal_id","pattern":"int-[0-9a-f]{8}-[0-9a-f]{4}","ignoreCase":true}]');
    expect(rules.map((rule) => [rule.kind, rule.pattern.flags])).toEqual([['acme_token', 'g'], ['internal_id', 'gi']]);
    expect(createSecretScrubber(rules).scrubText('key acme_0123456789abcdef0123456789ABCDEF id INT-DEADBEEF-CAFE'))
      .toBe('key [REDACTED:acme_token] id [REDACTED:internal_id]');
    expect(parseSecretPatterns('{"acme_token":"acme_[A-Za-z0-9]{32}"}')).toHaveLength(1);
    expect(parseSecretPatterns(undefined)).toEqual([]);
  });

  it.each([
    ['an unbounded quantifier', 'acme_[a-z]+', /unbounded or long quantifier.*\{1,64\}/],
    ['a quantifier above the bound', 'acme_[a-z]{1,5000}', /unbounded or long quantifier/],
    ['a variable quantifier above its bound', 'acme_[a-z]{1,100}', /variable quantifier above \{0,64\}/],
    ['nested quantifiers', '(acme_[a-z]{1,9}){1,9}', /nests quantifiers/],
    ['a backreference', '(acme)_\\1', /backreference/],
    ['a lookahead', 'acme_(?=[a-z])[a-z]{4}', /lookaround/],
    ['a lookbehind', '(?<=key=)[a-z]{4}', /cannot check/],
    ['an empty match', '[a-z]{0,4}', /empty string/],
    ['invalid syntax', 'acme_[a-z', /not a valid regular expression/],
  ])('refuses %s, naming the pattern and why', (_label, pattern, why) => {
    expect(patternProblem({ pattern })).toMatch(why);
    expect(() => parseSecretPatterns(JSON.stringify([{ kind: 'acme_token', pattern }]))).toThrow(/WINK_SECRET_PATTERNS\.0\.pattern: acme_token: /);
  });

  it('refuses a bad kind, too many patterns, and text that is not JSON', () => {
    expect(() => parseSecretPatterns('[{"kind":"Acme Token","pattern":"acme_[a-z]{4}"}]')).toThrow(/WINK_SECRET_PATTERNS\.0\.kind: must be snake_case/);
    const many = Array.from({ length: 33 }, (_, i) => ({ kind: `k${i}`, pattern: `k${i}_[a-z]{4}` }));
    expect(() => parseSecretPatterns(JSON.stringify(many))).toThrow(SecretPatternsError);
    expect(() => parseSecretPatterns('acme_[a-z]{4}')).toThrow(/must be JSON like/);
  });

  it('fails the ingest cold start on a bad pattern, and reads a good one', () => {
    expect(() => readApiConfig({ ...API_ENV, WINK_SECRET_PATTERNS: '{"acme_token":"acme_.*"}' })).toThrow(SecretPatternsError);
    expect(readApiConfig({ ...API_ENV, WINK_SECRET_PATTERNS: '{"acme_token":"acme_[a-z]{4}"}' }).secretRules).toHaveLength(1);
    expect(readApiConfig(API_ENV).secretRules).toEqual([]);
  });
});
