import { sha256Hex } from '../canonicalJson.ts';
import { ApiError } from './apiError.ts';

export interface ApiKeyLookup {
  apiKeyExists(keyHash: string): Promise<boolean>;
}

const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;

/**
 * Checks `Authorization: Bearer <key>` against hashed keys in the table. Keys are never stored in
 * clear; answers are cached per container (a minute for valid keys, seconds for invalid ones),
 * which is what a cached Lambda authorizer would do, without the extra hop.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { valid: boolean; until: number }>();

  constructor(private readonly lookup: ApiKeyLookup, private readonly now: () => number = Date.now) {}

  /** Returns the hash of the caller's key, or throws a 401 ApiError. */
  async authenticate(authorization: string | undefined): Promise<string> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new ApiError(401, 'unauthorized', 'Missing API key: send the header "Authorization: Bearer <api key>"');
    const keyHash = sha256Hex(match[1]!);
    if (!(await this.isValid(keyHash))) throw new ApiError(401, 'unauthorized', 'Invalid API key');
    return keyHash;
  }

  private async isValid(keyHash: string): Promise<boolean> {
    const cached = this.cache.get(keyHash);
    if (cached && cached.until > this.now()) return cached.valid;
    const valid = await this.lookup.apiKeyExists(keyHash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(keyHash, { valid, until: this.now() + (valid ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
    return valid;
  }
}
