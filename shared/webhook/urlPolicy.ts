import ipaddr from 'ipaddr.js';

/**
 * Webhook URLs are chosen by API clients and fetched from inside Wink, so by default they may not
 * reach loopback, link-local (cloud metadata, the Lambda runtime API), private or otherwise special
 * addresses. The check runs twice: here, on the URL as registered (names and IP literals), and at
 * send time on every address the name resolves to, with the connection pinned to the addresses
 * checked (postWebhook.ts). The local stack allows private targets, since there the agent and its
 * receiver are on this machine.
 */

/** Names that only make sense inside a host or a private network (RFC 6761, 6762, 8375; cloud metadata aliases). */
const PRIVATE_NAME_SUFFIXES = ['localhost', 'internal', 'local', 'localdomain', 'home.arpa', 'lan', 'intranet'];

export function isPrivateWebhookHost(hostname: string): boolean {
  // DNS treats a trailing dot as the root: `localhost.` is `localhost`.
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.+$/, '');
  if (ipaddr.isValid(host)) return isBlockedAddress(host);
  // Single-label names (`instance-data`, `metadata`, `intranet`) resolve through search domains to internal hosts.
  if (host === '' || !host.includes('.')) return true;
  return PRIVATE_NAME_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

/**
 * True unless `address` is a plain public unicast address. ipaddr.js classifies the ranges; IPv6
 * forms that carry an IPv4 address (IPv4-mapped, SIIT, NAT64 well-known prefix, 6to4) are judged by
 * that IPv4 address, and the ones whose target cannot be read off the address (local-use NAT64,
 * Teredo, deprecated IPv4-compatible) are refused.
 */
export function isBlockedAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded !== undefined) return embedded === null || embedded.range() !== 'unicast';
  // Global unicast is 2000::/3; everything else (site-local fec0::/10, unique-local, ::/96 …) is special.
  return v6.range() !== 'unicast' || (v6.parts[0]! & 0xe000) !== 0x2000;
}

/** The IPv4 address an IPv6 address stands for; null when it embeds one we cannot check; undefined when it embeds none. */
function embeddedIpv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null | undefined {
  const p = v6.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (v6.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return fromWords(p[6]!, p[7]!);
    case 'rfc6052': // 64:ff9b::/96 carries the address in its last 32 bits; 64:ff9b:1::/48 is local-use with any layout.
      return p[0] === 0x64 && p[1] === 0xff9b && p.slice(2, 6).every((part) => part === 0) ? fromWords(p[6]!, p[7]!) : null;
    case '6to4': // 2002:AABB:CCDD::/48
      return fromWords(p[1]!, p[2]!);
    case 'teredo':
      return null;
    default:
      // IPv4-compatible ::a.b.c.d (deprecated by RFC 4291), other than :: and ::1 which range() names.
      return p.slice(0, 6).every((part) => part === 0) ? null : undefined;
  }
}

/**
 * What is wrong with a webhook URL as registered, in words fit for a 400, or undefined. Never
 * echoes the URL: it may carry credentials.
 */
export function webhookUrlProblem(url: string, options: { allowPrivate: boolean }): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'webhook.url must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'webhook.url must be an http(s) URL';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'webhook.url must not contain credentials (user:password@); authenticate deliveries by their signature instead';
  }
  if (!options.allowPrivate && isPrivateWebhookHost(parsed.hostname)) {
    return 'webhook.url must not point to a loopback, link-local, private or single-label host';
  }
  return undefined;
}
