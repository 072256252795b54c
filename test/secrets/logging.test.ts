import { afterEach, describe, expect, it } from 'vitest';
import { createObservability } from '../../shared/observability.ts';
import { createSecretScrubber } from '../../shared/secrets/scrubber.ts';
import { PLANTED_SECRETS } from '../support/plantedSecrets.ts';

describe('log lines', () => {
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const capture = () => {
    process.stdout.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
  };
  afterEach(() => {
    process.stdout.write = original;
    process.stderr.write = originalErr;
    written.length = 0;
  });

  it('hide secrets in messages, attributes, error messages and stacks', () => {
    const { logger } = createObservability(createSecretScrubber([{ kind: 'acme_token', pattern: /acme_[a-z0-9]{8}/g }]));
    capture();
    for (const planted of PLANTED_SECRETS) {
      logger.error(`Step failed: ${planted.text}`, { step: { content: planted.text }, error: new Error(`could not parse ${planted.text}`) });
    }
    logger.warn('custom acme_deadbeef');
    const text = written.join('');
    expect(written.length).toBe(PLANTED_SECRETS.length + 1);
    for (const planted of PLANTED_SECRETS) expect(text).not.toContain(planted.secret);
    expect(text).toContain('[REDACTED:aws_access_key]');
    expect(text).toContain('custom [REDACTED:acme_token]');
    // Still one JSON object per line.
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});
