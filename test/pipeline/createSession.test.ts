import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/apiError.ts';
import { createSession } from '../../shared/pipeline/createSession.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { isPrivateWebhookHost } from '../../shared/webhook/urlPolicy.ts';

describe('createSession', () => {
  const stored: SessionRecord[] = [];
  const deps = { store: { createSession: async (session: SessionRecord) => { stored.push(session); } }, now: () => Date.parse('2026-11-25T12:00:00Z') };

  it('stores the task, constraints and policy with fresh detection state, and returns a one-time webhook secret', async () => {
    const created = await createSession(deps, 'key-hash', {
      agentId: 'a', task: 'Fix it', constraints: ['no tests'], policy: { forbiddenPaths: ['tests/**'] }, webhook: { url: 'https://hooks.example.com/wink' },
    });
    const session = stored.at(-1)!;
    expect(session).toMatchObject({
      sessionId: created.sessionId, ownerKeyHash: 'key-hash', task: 'Fix it', constraints: ['no tests'], policy: { forbiddenPaths: ['tests/**'] },
      webhookUrl: 'https://hooks.example.com/wink', webhookSecret: created.webhookSecret, version: 0, llmTokens: 0,
      detection: { nextIndex: 0 }, createdAt: '2026-11-25T12:00:00.000Z',
    });
  });

  it.each(['http://127.0.0.1:9001/', 'http://169.254.169.254/latest', 'http://localhost/hook', 'http://[::1]/', 'http://10.0.0.8/'])(
    'refuses the webhook %s unless private webhooks are allowed',
    async (url) => {
      const refused = createSession(deps, 'h', { agentId: 'a', task: 't', webhook: { url } });
      await expect(refused).rejects.toBeInstanceOf(ApiError);
      await expect(refused).rejects.toMatchObject({ statusCode: 400, details: [{ path: 'webhook.url' }] });
      await expect(createSession({ ...deps, allowPrivateWebhooks: true }, 'h', { agentId: 'a', task: 't', webhook: { url } })).resolves.toHaveProperty('webhookSecret');
    },
  );
});

describe('createSession webhook targets (issue 8 items 6, 7)', () => {
  const deps = { store: { createSession: async () => undefined }, now: () => 0 };

  it('refuses a webhook URL with credentials with a 400 naming webhook.url, and does not echo them', async () => {
    for (const allowPrivateWebhooks of [false, true]) {
      const refused = createSession({ ...deps, allowPrivateWebhooks }, 'h', { agentId: 'a', task: 't', webhook: { url: 'http://agent:secret@hooks.example.com/hook' } });
      await expect(refused).rejects.toMatchObject({ statusCode: 400, details: [{ path: 'webhook.url', message: expect.stringMatching(/credentials/) }] });
      const error = (await refused.catch((e: unknown) => e)) as ApiError;
      expect(JSON.stringify(error.toBody())).not.toContain('secret');
    }
  });

  it('refuses a name that resolves to a private address, and accepts one that resolves to public ones', async () => {
    const resolveWebhookHost = async (host: string) => (host === 'sneaky.example.com' ? ['93.184.216.34', '10.0.0.7'] : ['93.184.216.34']);
    await expect(createSession({ ...deps, resolveWebhookHost }, 'h', { agentId: 'a', task: 't', webhook: { url: 'https://sneaky.example.com/hook' } }))
      .rejects.toMatchObject({ statusCode: 400, details: [{ path: 'webhook.url' }] });
    await expect(createSession({ ...deps, resolveWebhookHost }, 'h', { agentId: 'a', task: 't', webhook: { url: 'https://hooks.example.com/hook' } }))
      .resolves.toHaveProperty('webhookSecret');
    // A name that does not resolve now is accepted: the send-time check decides when it does.
    const unresolvable = async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); };
    await expect(createSession({ ...deps, resolveWebhookHost: unresolvable }, 'h', { agentId: 'a', task: 't', webhook: { url: 'https://later.example.com/hook' } }))
      .resolves.toHaveProperty('webhookSecret');
  });
});

describe('isPrivateWebhookHost', () => {
  it.each([
    ['127.0.0.1', true], ['::1', true], ['[::1]', true], ['::ffff:7f00:1', true], ['169.254.169.254', true], ['172.20.0.1', true],
    ['192.168.1.1', true], ['fe80::1', true], ['localhost', true], ['api.localhost', true],
    ['8.8.8.8', false], ['172.32.0.1', false], ['2001:db8::1', true], ['2606:4700::1', false], ['hooks.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isPrivateWebhookHost(host)).toBe(expected);
  });
});

describe('createSession: mode and experiment', () => {
  const stored: SessionRecord[] = [];
  const deps = { store: { createSession: async (session: SessionRecord) => { stored.push(session); } }, now: () => 0 };

  it('is active unless the request or the deployment says shadow, and stores and returns the mode', async () => {
    expect(await createSession(deps, 'h', { agentId: 'a', task: 't' })).toMatchObject({ mode: 'active' });
    expect(await createSession({ ...deps, defaultMode: 'shadow' }, 'h', { agentId: 'a', task: 't' })).toMatchObject({ mode: 'shadow' });
    const created = await createSession({ ...deps, defaultMode: 'shadow' }, 'h', { agentId: 'a', task: 't', mode: 'active' });
    expect(created.mode).toBe('active');
    expect(stored.at(-1)).toMatchObject({ sessionId: created.sessionId, mode: 'active' });
  });

  it('lets the arm decide the mode: a stated arm, or one drawn for the session, stored and returned', async () => {
    const control = await createSession(deps, 'h', { agentId: 'a', task: 't', experiment: { name: 'nudges-v1', arm: 'control' } });
    expect(control).toMatchObject({ mode: 'shadow', experiment: { name: 'nudges-v1', arm: 'control' } });
    const everyone = await createSession(deps, 'h', { agentId: 'a', task: 't', experiment: { name: 'nudges-v1', treatmentShare: 1 } });
    expect(everyone).toMatchObject({ mode: 'active', experiment: { name: 'nudges-v1', arm: 'treatment', treatmentShare: 1 } });
    expect(stored.at(-1)).toMatchObject({ experiment: everyone.experiment, mode: 'active' });
    const fromDeployment = await createSession({ ...deps, defaultExperiment: { name: 'rollout', treatmentShare: 0 } }, 'h', { agentId: 'a', task: 't' });
    expect(fromDeployment).toMatchObject({ mode: 'shadow', experiment: { name: 'rollout', arm: 'control' } });
  });

  it('refuses mode next to experiment, a bad share and a bad name, naming the field', async () => {
    await expect(createSession(deps, 'h', { agentId: 'a', task: 't', mode: 'active', experiment: { name: 'x' } }))
      .rejects.toMatchObject({ statusCode: 400, details: [{ path: 'mode' }] });
    await expect(createSession(deps, 'h', { agentId: 'a', task: 't', experiment: { name: 'x', treatmentShare: 1.5 } }))
      .rejects.toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: 'experiment.treatmentShare' })] });
    await expect(createSession(deps, 'h', { agentId: 'a', task: 't', experiment: { name: 'no spaces' } }))
      .rejects.toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: 'experiment.name' })] });
    await expect(createSession(deps, 'h', { agentId: 'a', task: 't', mode: 'quiet' }))
      .rejects.toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: 'mode' })] });
  });
});
