import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { sha256Hex } from '../canonicalJson.ts';

/** Shorter keys are refused: a key is the agent's only credential. */
export const MIN_KEY_LENGTH = 24;

/** Characters of the key hash `wink keys list` shows and `wink keys revoke` accepts: enough to tell keys apart, useless to an attacker. */
export const KEY_HASH_PREFIX_LENGTH = 12;

/** A tenant name as `--tenant` takes it: short, printable, no separators that key design uses. */
export const TenantSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'tenant: 1 to 64 letters, digits, ".", "_" or "-"');

export const KeyNameSchema = z.string().min(1, 'name: must not be empty').max(200, 'name: at most 200 characters');

/** What the table holds about a key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  keyHash: string;
  name: string;
  /** Keys of one tenant share its sessions; absent on keys that are their own tenant (all keys made before tenants). */
  tenant?: string;
  createdAt: string;
  /** Set by `wink keys revoke`; the key is refused from then on (after the authenticator's cache, see authenticate.ts). */
  revokedAt?: string;
}

/**
 * The owner id stored on sessions (`ownerKeyHash`), experiments, Claude Code links and idempotency
 * keys. A key without a tenant is its own tenant, owner = its hash: exactly what sessions stored
 * before tenants hold, so every existing key keeps its sessions. A tenant's owner id cannot equal
 * a key hash (64 hex characters, no colon).
 */
export function ownerIdOf(key: Pick<ApiKeyRecord, 'keyHash' | 'tenant'>): string {
  return key.tenant === undefined ? key.keyHash : `tenant:${key.tenant}`;
}

/** 32 random bytes, URL-safe, with a recognisable prefix (secret scanners and humans spot it). */
export function generateApiKey(): string {
  return `wink_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** Refuses keys too short or with whitespace (a Bearer token cannot carry it). */
export function apiKeyProblem(key: string): string | undefined {
  if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) return `An API key must be at least ${MIN_KEY_LENGTH} characters with no whitespace`;
  return undefined;
}
