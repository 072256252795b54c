import { describe, expect, it } from 'vitest';
import { isBlockedAddress, isPrivateWebhookHost, webhookUrlProblem } from '../../shared/webhook/urlPolicy.ts';

/** Issue 8 item 6: names and literals the first policy let through, and the embeddings that hide private IPv4. */
describe('isPrivateWebhookHost', () => {
  it.each([
    // Missed before: trailing dots, cloud metadata names, IPv4-compatible/NAT64/6to4 embeddings, site-local, IETF protocol assignments.
    'localhost.', 'a.localhost.', 'metadata.google.internal.', 'instance-data', '[::7f00:1]', '[64:ff9b::a9fe:a9fe]',
    '[2002:7f00:1::]', '[fec0::1]', '192.0.0.192',
    // Already caught; kept caught.
    '127.0.0.1', '::1', '[::1]', '[::ffff:7f00:1]', '169.254.169.254', '172.20.0.1', '192.168.1.1', 'fe80::1', 'localhost',
    'api.localhost', '10.0.0.8', '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '[::]', '[fd00::1]',
    // More of the same families.
    'LOCALHOST', 'metadata.google.internal', 'instance-data.ec2.internal', 'metadata', 'intranet', 'printer.local',
    '[::ffff:0:a9fe:a9fe]', '[64:ff9b:1::a00:1]', '[2001:0:4136:e378:8000:63bf:3fff:fdd2]', '198.18.0.1', '240.0.0.1',
  ])('%s is refused', (host) => {
    expect(isPrivateWebhookHost(host)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', 'hooks.example.com', 'hooks.example.com.', '[2606:4700:4700::1111]', '[64:ff9b::808:808]', '[2002:808:808::1]', '[::ffff:8.8.8.8]'])(
    '%s is allowed',
    (host) => {
      expect(isPrivateWebhookHost(host)).toBe(false);
    },
  );
});

describe('isBlockedAddress (what a name resolved to)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', '::7f00:1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::', 'fec0::1', '192.0.0.192', '::ffff:10.0.0.1', 'fd12::1'])(
    '%s is blocked',
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '64:ff9b::808:808'])('%s is not', (address) => expect(isBlockedAddress(address)).toBe(false));
  it('refuses what is not an address at all', () => expect(isBlockedAddress('not-an-ip')).toBe(true));
});

describe('webhookUrlProblem', () => {
  it('refuses credentials in the URL (issue 8 item 7), even where private hosts are allowed, without echoing them', () => {
    for (const url of ['http://agent:secret@hooks.example.com/hook', 'https://agent@hooks.example.com/', 'http://:secret@127.0.0.1:9/']) {
      const problem = webhookUrlProblem(url, { allowPrivate: true });
      expect(problem).toMatch(/credentials/);
      expect(problem).not.toContain('secret');
      expect(problem).not.toContain('agent');
    }
  });

  it('refuses private hosts unless allowed, and accepts a public https URL', () => {
    expect(webhookUrlProblem('http://localhost./hook', { allowPrivate: false })).toMatch(/loopback, link-local, private/);
    expect(webhookUrlProblem('http://localhost./hook', { allowPrivate: true })).toBeUndefined();
    expect(webhookUrlProblem('https://hooks.example.com/wink', { allowPrivate: false })).toBeUndefined();
  });
});
