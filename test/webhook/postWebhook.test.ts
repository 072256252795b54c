import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { postWebhook, type ResolvedAddress } from '../../shared/webhook/postWebhook.ts';
import { startWebhookReceiver } from '../support/webhookReceiver.ts';

const loopback: ResolvedAddress = { address: '127.0.0.1', family: 4 };

/** Send-time target checks over real HTTP on loopback (issue 8 items 6 and 7). Names resolve through a stub: no DNS. */
describe('postWebhook', () => {
  it('refuses a name that resolves to a private address at send time, and connects to nothing', async () => {
    const receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    const result = await postWebhook(`http://hooks.example.com:${port}/wink`, '{}', {}, { timeoutMs: 2000, resolve: async () => [loopback] });
    expect(result).toMatchObject({ kind: 'failure', failure: 'blocked', retryable: false });
    expect(receiver.received).toHaveLength(0);
    await receiver.close();
  });

  it('refuses a private IP literal at send time (a session stored before the registration check)', async () => {
    const receiver = await startWebhookReceiver();
    const result = await postWebhook(receiver.url, '{}', {}, { timeoutMs: 2000 });
    expect(result).toMatchObject({ kind: 'failure', failure: 'blocked', retryable: false });
    expect(receiver.received).toHaveLength(0);
    await receiver.close();
  });

  it('connects to the address it checked, resolving once (no second lookup to rebind)', async () => {
    const receiver = await startWebhookReceiver([204]);
    const port = new URL(receiver.url).port;
    const answers: ResolvedAddress[][] = [[loopback], [{ address: '127.0.0.2', family: 4 }]];
    let lookups = 0;
    const result = await postWebhook(`http://rebind.example.com:${port}/wink`, '{"a":1}', { 'x-test': '1' }, {
      timeoutMs: 2000,
      resolve: async () => answers[Math.min((lookups += 1) - 1, 1)]!,
      // This test's idea of "public": only 127.0.0.1, so a second lookup answering 127.0.0.2 would be refused.
      isBlockedAddress: (address) => address !== '127.0.0.1',
    });
    expect(result).toEqual({ kind: 'response', status: 204 });
    expect(lookups).toBe(1);
    expect(receiver.received[0]).toMatchObject({ body: '{"a":1}', headers: { host: `rebind.example.com:${port}`, 'x-test': '1' } });
    await receiver.close();
  });

  it('refuses a URL with credentials before connecting, final and without echoing them', async () => {
    const receiver = await startWebhookReceiver();
    const withCredentials = receiver.url.replace('http://', 'http://agent:secret@');
    const result = await postWebhook(withCredentials, '{}', {}, { timeoutMs: 2000, isBlockedAddress: () => false });
    expect(result).toMatchObject({ kind: 'failure', failure: 'invalid_target', retryable: false });
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(receiver.received).toHaveLength(0);
    await receiver.close();
  });

  it('does not follow redirects', async () => {
    const target = await startWebhookReceiver();
    const redirector = createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const { port } = redirector.address() as { port: number };
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { timeoutMs: 2000, isBlockedAddress: () => false });
    expect(result).toEqual({ kind: 'response', status: 307 });
    expect(target.received).toHaveLength(0);
    redirector.close();
    await target.close();
  });

  it('classes connection failures coarsely: refused, timeout', async () => {
    const closed = await startWebhookReceiver();
    await closed.close();
    expect(await postWebhook(closed.url, '{}', {}, { timeoutMs: 2000, isBlockedAddress: () => false })).toMatchObject({ kind: 'failure', failure: 'refused', retryable: true });

    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    expect(await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { timeoutMs: 300, isBlockedAddress: () => false })).toMatchObject({ kind: 'failure', failure: 'timeout', retryable: true });
    silent.closeAllConnections();
    silent.close();
  });
});
