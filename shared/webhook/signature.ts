import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhooks are signed per Standard Webhooks (standardwebhooks.com), so receivers can use any of
 * its libraries: `webhook-id` (the intervention id, the same on every retry: deduplicate on it),
 * `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per current secret (two while a
 * rotated-out secret is still honoured). The key is the base64 part of `whsec_<base64>`.
 */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

const SECRET_PREFIX = 'whsec_';
const DEFAULT_TOLERANCE_SECONDS = 300;

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

function digest(secret: string, id: string, timestamp: number, body: string): Buffer {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest();
}

export function signWebhook(secrets: readonly string[], id: string, unixSeconds: number, body: string): WebhookSignatureHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(unixSeconds),
    'webhook-signature': secrets.map((secret) => `v1,${digest(secret, id, unixSeconds, body).toString('base64')}`).join(' '),
  };
}

/** The receiver's side, shipped for agents' convenience (any Standard Webhooks library does the same). */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Readonly<Partial<Record<string, string | string[] | undefined>>> | WebhookSignatureHeaders,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const header = (name: string) => [(headers as Record<string, string | string[] | undefined>)[name]].flat()[0];
  const id = header('webhook-id');
  const timestamp = Number(header('webhook-timestamp'));
  const signatures = header('webhook-signature');
  if (!id || !signatures || !Number.isInteger(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = digest(secret, id, timestamp, body);
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
