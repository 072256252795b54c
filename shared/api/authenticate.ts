import { sha256Hex } from '../canonicalJson.ts';
import { ownerIdOf, type ApiKeyRecord } from '../tenancy/apiKeys.ts';
import { ApiError } from './apiError.ts';

export interface ApiKeyLookup {
  getApiKey(keyHash: string): Promise<Pick<ApiKeyRecord, 'tenant' | 'revokedAt'> | undefined>;
}

/** Who is calling: the key (rate limits count per key) and the owner id its tenant's sessions carry. */
export interface Caller {
  keyHash: string;
  /** `ownerKeyHash` on sessions: the tenant's id, or the key's hash for a key without a tenant (tenancy/apiKeys.ts). */
  ownerId: string;
}

/**
 * How long a container trusts a key it found valid. A revoked key is therefore refused at most this
 * long after `wink keys revoke` (README "API keys"); one GetItem per key per container per period.
 */
export const VALID_KEY_CACHE_MS = 30_000;
/** Unknown keys are re-read sooner, so a key just created works within seconds. */
export const INVALID_KEY_CACHE_MS = 5_000;
const MAX_CACHED_KEYS = 10_000;

/**
 * Checks `Authorization: Bearer <key>` against hashed keys in the table. Keys are never stored in
 * clear; answers are cached per container (VALID_KEY_CACHE_MS / INVALID_KEY_CACHE_MS), which is
 * what a cached Lambda authorizer would do, without the extra hop.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { caller: Caller | undefined; until: number }>();

  constructor(private readonly lookup: ApiKeyLookup, private readonly now: () => number = Date.now) {}

  /** Returns the caller's owner id (what sessions are owned by), or throws a 401 ApiError. */
  async authenticate(authorization: string | undefined): Promise<string> {
    return (await this.authenticateCaller(authorization)).ownerId;
  }

  async authenticateCaller(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new ApiError(401, 'unauthorized', 'Missing API key: send the header "Authorization: Bearer <api key>"');
    const caller = await this.callerFor(sha256Hex(match[1]!));
    if (!caller) throw new ApiError(401, 'unauthorized', 'Invalid API key');
    return caller;
  }

  private async callerFor(keyHash: string): Promise<Caller | undefined> {
    const cached = this.cache.get(keyHash);
    if (cached && cached.until > this.now()) return cached.caller;
    const record = await this.lookup.getApiKey(keyHash);
    const caller = record && record.revokedAt === undefined ? { keyHash, ownerId: ownerIdOf({ keyHash, ...record }) } : undefined;
    if (this.cache.size > MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(keyHash, { caller, until: this.now() + (caller ? VALID_KEY_CACHE_MS : INVALID_KEY_CACHE_MS) });
    return caller;
  }
}
