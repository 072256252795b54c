import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

/**
 * Issue 8 item 8: `npm start` and the tests say "loopback", so DynamoDB Local and the SQS server
 * must not listen on other interfaces (a peer could read webhook secrets or add an API key).
 * Reads the kernel's table of listening TCP sockets for the ports the global setup started.
 */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [hexAddress, hexPort] = local.split(':') as [string, string];
      if (parseInt(hexPort, 16) === port) addresses.push(decode(hexAddress));
    }
  }
  return addresses;
}

/** /proc/net addresses are 32-bit words in host (little-endian) order. */
function decode(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(''));
  if (words.length === 1) return words[0]!.match(/../g)!.map((byte) => parseInt(byte, 16)).join('.');
  const groups = words.join('').match(/.{4}/g)!.map((group) => parseInt(group, 16).toString(16));
  return groups.join(':');
}

// Java binds 127.0.0.1 as an IPv6 socket on ::ffff:127.0.0.1.
const LOOPBACK = new Set(['127.0.0.1', '0:0:0:0:0:0:0:1', '0:0:0:0:0:ffff:7f00:1']);

describe.runIf(process.platform === 'linux')('local servers (global setup, also used by npm start)', () => {
  it.each([['DynamoDB Local', 'dynamoEndpoint'], ['fauxqs', 'sqsEndpoint']] as const)('%s listens on loopback only', (_name, key) => {
    const port = Number(new URL(inject(key)).port);
    const addresses = listeningAddresses(port);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !LOOPBACK.has(address))).toEqual([]);
  });
});
