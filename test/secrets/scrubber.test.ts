import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MARKER_CHARS, builtInScrubber, countMarkers, createSecretScrubber, marker } from '../../shared/secrets/scrubber.ts';
import type { Step } from '../../shared/steps.ts';
import { NEAR_MISSES, PLANTED_SECRETS } from '../support/plantedSecrets.ts';

const scrub = builtInScrubber.scrubText;

describe('scrubbing each kind of secret', () => {
  it.each(PLANTED_SECRETS.map((planted) => [planted.kind, planted] as const))('%s: the secret becomes its marker, the text around it stays', (kind, planted) => {
    const out = scrub(planted.text);
    expect(out).not.toContain(planted.secret);
    expect(out).toContain(marker(kind));
    // The text around the secret is left alone (its head and tail at least: some texts hold two secrets).
    const [before, after] = planted.text.split(planted.secret) as [string, string];
    expect(out.startsWith(before.slice(0, 5))).toBe(true);
    expect(out.endsWith(after.slice(-5))).toBe(true);
  });

  it('names the precise shape when several rules could claim a secret', () => {
    expect(scrub('export GITHUB_TOKEN=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')).toBe('export GITHUB_TOKEN=[REDACTED:github_token]');
    expect(scrub('Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0zz')).toBe('Authorization: Bearer [REDACTED:bearer_token]');
    expect(scrub('Authorization: Token 9f8e7d6c5b4a3928')).toBe('Authorization: Token [REDACTED:authorization_header]');
    expect(scrub('{"password": "p@ss \\"quoted\\" word", "user": "bob"}')).toBe('{"password": "[REDACTED:password_pair]", "user": "bob"}');
  });
});

describe('text that holds no secret', () => {
  it.each(NEAR_MISSES.map((text) => [text]))('is unchanged: %s', (text) => {
    expect(scrub(text)).toBe(text);
  });
});

describe('scrubbing steps', () => {
  const command = 'curl -H "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0zz" https://api.example.com';

  it('scrubs the content and every string of the tool input, and values under credential keys whatever they look like', () => {
    const step: Step = {
      index: 3, type: 'tool_call', toolName: 'http', toolCallId: 'call_1',
      toolInput: { command, headers: { 'X-Api-Key': 'plainlookingvalue42', Accept: 'application/json' }, args: ['--password', 'hunter2', '--token=abcdef'], retries: 2 },
    };
    expect(builtInScrubber.scrubStep(step)).toEqual({
      index: 3, type: 'tool_call', toolName: 'http', toolCallId: 'call_1',
      toolInput: {
        command: 'curl -H "Authorization: Bearer [REDACTED:bearer_token]" https://api.example.com',
        headers: { 'X-Api-Key': '[REDACTED:api_key]', Accept: 'application/json' },
        args: ['--password', 'hunter2', '--token=[REDACTED:secret_pair]'],
        retries: 2,
      },
    });
  });

  it('keeps identical commands identical, so repeat detectors still see the repeat', () => {
    const first = builtInScrubber.scrubStep({ index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command } });
    const second = builtInScrubber.scrubStep({ index: 2, type: 'tool_call', toolName: 'bash', toolInput: { command } });
    expect(first.toolInput).toEqual(second.toolInput);
  });

  it('leaves a step without secrets exactly as it was (paths and commands the detectors read)', () => {
    const step: Step = { index: 0, type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'create', path: 'src/auth/password_reset.ts', file_text: NEAR_MISSES.join('\n') } };
    expect(builtInScrubber.scrubStep(step)).toEqual(step);
    const result: Step = { index: 1, type: 'tool_result', content: NEAR_MISSES.join('\n'), exitCode: 0 };
    expect(builtInScrubber.scrubStep(result)).toEqual(result);
  });
});

describe('operator patterns', () => {
  it('run before the built-in ones, under their own kind', () => {
    const scrubber = createSecretScrubber([{ kind: 'acme_token', pattern: /acme_[A-Za-z0-9]{32}/g }]);
    expect(scrubber.scrubText('ACME_KEY=acme_0123456789abcdef0123456789ABCDEF ok')).toBe('ACME_KEY=[REDACTED:acme_token] ok');
  });

  it('never rewrite a marker, even one they would match', () => {
    const scrubber = createSecretScrubber([{ kind: 'shouty', pattern: /[A-Z]{8}/g }]);
    expect(scrubber.scrubText('[REDACTED:github_token] ABCDEFGH')).toBe('[REDACTED:github_token] [REDACTED:shouty]');
  });
});

/** Text built from the pieces secrets, keys and markers are made of, so collisions between rules are likely. */
const PIECES = [
  ...PLANTED_SECRETS.map((planted) => planted.text), ...PLANTED_SECRETS.map((planted) => planted.secret), ...NEAR_MISSES,
  'password', 'token', 'api_key', 'Authorization', 'Bearer ', 'Basic ', '=', ': ', '"', "'", '\\', ' ', '\n', '@', '://', '-', '_', '[REDACTED:', ']',
  marker('jwt'), marker('password_pair'), 'ghp_', 'sk-', 'eyJ', 'AKIA', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', '$DB_PASS', 'str)',
];
const trajectoryText = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 12 })), { maxLength: 24 }).map((parts) => parts.join(''));
/** The same pieces less the secrets themselves: what may surround a planted secret. */
const SURROUNDINGS = PIECES.filter((piece) => !PLANTED_SECRETS.some((planted) => piece.includes(planted.secret)));
const surroundingText = fc.array(fc.oneof(fc.constantFrom(...SURROUNDINGS), fc.string({ maxLength: 12 })), { maxLength: 24 }).map((parts) => parts.join(''));

describe('scrubbing, whatever the text (fast-check)', () => {
  it('is idempotent: scrubbing scrubbed text changes nothing', () => {
    fc.assert(fc.property(trajectoryText, (text) => {
      const once = scrub(text);
      expect(scrub(once)).toBe(once);
    }), { numRuns: 2000, seed: 15 });
  });

  it('never lengthens text by more than one marker per secret it hides', () => {
    fc.assert(fc.property(trajectoryText, (text) => {
      const out = scrub(text);
      const hidden = countMarkers(out) - countMarkers(text);
      expect(out.length).toBeLessThanOrEqual(text.length + Math.max(0, hidden) * MAX_MARKER_CHARS);
    }), { numRuns: 2000, seed: 16 });
  });

  it('never lets a planted secret through, wherever it lands in the text', () => {
    fc.assert(fc.property(surroundingText, fc.constantFrom(...PLANTED_SECRETS), surroundingText, (before, planted, after) => {
      // A separator on each side, as in any real output: a secret glued to other word characters is another string.
      expect(scrub(`${before}\n${planted.text}\n${after}`)).not.toContain(planted.secret);
    }), { numRuns: 1000, seed: 17 });
  });
});
