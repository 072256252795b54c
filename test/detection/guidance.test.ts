import { describe, expect, it } from 'vitest';
import { guidanceFor, MAX_GUIDANCE_CHARS, redactSecrets } from '../../shared/detection/guidance.ts';
import type { Match } from '../../shared/detection/types.ts';
import { SUBTYPES, type Subtype } from '../../shared/taxonomy.ts';
import { observe, sessionSpec, trajectory } from './helpers.ts';

const LONG = 'x'.repeat(5000);

/** A trajectory that makes each subtype's detector fire, so the guidance is the one an agent would get. */
function scenario(subtype: Subtype): { steps: ReturnType<typeof trajectory>['steps']; session?: ReturnType<typeof sessionSpec> } {
  const t = trajectory();
  switch (subtype) {
    case 'constraint_violated':
      return { steps: t.bash('git push origin main', 'ok').steps, session: sessionSpec({ policy: { forbiddenCommands: ['git push'] } }) };
    case 'scope_creep':
      return { steps: t.bash('rm tests/test_parser.py').steps };
    case 'premature_completion':
      return { steps: t.tool('write_file', { path: 'a.py', content: 'x' }, 'ok').bash('pytest', `=== 1 failed ===\n${LONG}`, 1).call('submit', {}).steps };
    case 'task_abandoned':
      return { steps: t.say('I give up on this task.').steps };
    case 'action_loop':
      for (let i = 0; i < 4; i += 1) t.bash('curl localhost:8080/health', 'starting');
      return { steps: t.steps };
    case 'alternating_loop':
      for (let i = 0; i < 3; i += 1) t.bash('git stash', 'saved').bash('git stash pop', 'popped');
      return { steps: t.steps };
    case 'monologue':
      return { steps: t.say('Hmm, let me think about this.').say('Hmm, let me think about this.').say('Hmm, let me think about this.').steps };
    case 'claim_contradicts_evidence':
      return { steps: t.bash('pytest', '=== 2 failed ===', 1).tool('write_file', { path: 'a.py', content: 'x' }, 'ok').bash('python a.py', 'ok').say('All tests pass.').steps };
    case 'no_progress':
      for (let i = 0; i < 101; i += 1) t.bash(`cat f${i}.py`, `content ${i}`);
      return { steps: t.steps };
    case 'repeated_failing_call':
      for (let i = 0; i < 3; i += 1) t.bash('python run.py', `ModuleNotFoundError: No module named 'foo'\n${LONG}`, 1);
      return { steps: t.steps };
    case 'malformed_call':
      return { steps: t.tool('read_fil', { path: 'a' }, 'unknown tool read_fil', { isError: true }).tool('read_fil', { path: 'b' }, 'unknown tool read_fil', { isError: true }).steps };
    case 'error_ignored':
      return { steps: t.bash('python check.py', `Traceback (most recent call last):\nRuntimeError: boom\n${LONG}`, 1).call('finish', {}).steps };
    case 'interactive_command':
      return { steps: t.bash('nano src/app.py').steps };
    case 'timeout_streak':
      for (let i = 0; i < 3; i += 1) t.bash(`pytest tests/slow_${i}.py`, '', 124);
      return { steps: t.steps };
  }
}

describe('guidance per subtype', () => {
  it.each(SUBTYPES)('%s: a specific system reminder within the length limit, naming the steps', (subtype) => {
    const { steps, session } = scenario(subtype);
    const intervention = observe(steps, session ? { session } : {}).interventions.find((i) => i.subtype === subtype);
    expect(intervention, `no ${subtype} intervention`).toBeDefined();
    const guidance = intervention!.guidance;
    expect(guidance.startsWith('[Wink] ')).toBe(true);
    expect(guidance.length).toBeLessThanOrEqual(MAX_GUIDANCE_CHARS);
    expect(guidance).not.toContain('xxxxxxxxxx');
    expect(guidance).toMatch(new RegExp(`\\b${Math.max(...intervention!.evidence.stepIndexes)}\\b`));
  });

  it('every template is distinct and says what to do instead', () => {
    const texts = SUBTYPES.map((subtype) => {
      const { steps, session } = scenario(subtype);
      return observe(steps, session ? { session } : {}).interventions.find((i) => i.subtype === subtype)!.guidance;
    });
    expect(new Set(texts).size).toBe(SUBTYPES.length);
    for (const text of texts) expect(text).toMatch(/\b(?:Stop|Do not|Run|Read|Revert|Restore|Fix|Use|Re-read|Find|Check|Decide|Choose|Re-run|state|make)\b/i);
  });

  it('quotes the repeated command and the error', () => {
    const { steps } = scenario('repeated_failing_call');
    const guidance = observe(steps).interventions[0]!.guidance;
    expect(guidance).toContain('`python run.py`');
    expect(guidance).toContain("ModuleNotFoundError: No module named 'foo'");
  });

  it('never echoes secrets from commands, claims or errors', () => {
    const match: Match = {
      subtype: 'repeated_failing_call',
      evidence: [3, 4, 5],
      facts: { command: 'curl -H "Authorization: Bearer abcdefghijklmnop1234" https://api.example.com', error: 'bad key sk-proj1234567890abcdefghij', repeats: 3 },
    };
    const guidance = guidanceFor(match);
    expect(guidance).not.toContain('abcdefghijklmnop1234');
    expect(guidance).not.toContain('sk-proj1234567890abcdefghij');
    expect(guidance).toContain('[REDACTED:bearer_token]');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx', 'sk-abcdefghijklmnopqrstuvwx'],
    ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls', 'wJalrXUtnFEMI/K7MDENG'],
    ['aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['psql postgres://admin:hunter2secret@db:5432/app', 'hunter2secret'],
    ['mysql --password=hunter2 -u root', 'hunter2'],
    ['password: "correct horse battery"', 'correct horse battery'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'dozjgNryP4J3jVmNHl0w5N'],
  ])('hides the secret in %s', (text, secret) => {
    expect(redactSecrets(text)).not.toContain(secret);
  });

  it('leaves ordinary commands and errors alone', () => {
    const text = "pytest tests/test_token.py -k 'test_refresh' failed: AssertionError: assert 1 == 2";
    expect(redactSecrets(text)).toBe(text);
  });
});
