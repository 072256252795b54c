import { BlockList, isIP } from 'node:net';

/**
 * Webhook URLs are chosen by API clients and fetched from inside Wink, so by default they may not
 * name loopback, link-local (cloud metadata, the Lambda runtime API) or private addresses. The
 * local stack allows them, since there the agent is on this machine. Host names are checked as
 * written; a public name that resolves to a private address is not caught here.
 */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15],
] as const) PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateWebhookHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return true;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is refused whole: a webhook has no reason to use it.
  if (host.startsWith('::ffff:')) return true;
  const family = isIP(host);
  return family === 4 ? PRIVATE_RANGES.check(host, 'ipv4') : family === 6 ? PRIVATE_RANGES.check(host, 'ipv6') : false;
}
