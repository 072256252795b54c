import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { ApiKeyAuthenticator, INVALID_KEY_CACHE_MS, VALID_KEY_CACHE_MS } from '../../shared/api/authenticate.ts';
import { ApiKeyStore } from '../../shared/store/apiKeyStore.ts';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { hashApiKey, ownerIdOf } from '../../shared/tenancy/apiKeys.ts';
import { freshStore } from '../support/localAws.ts';

/** Issue 15 "API keys": `wink keys create|list|revoke`, only hashes stored, revocation within the cache time. */
let tableName: string;
let keys: ApiKeyStore;

beforeEach(async () => {
  ({ tableName } = await freshStore());
  keys = new ApiKeyStore(createDocumentClient(), tableName);
});

async function wink(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main([...args, '--table', tableName, '--endpoint', inject('dynamoEndpoint')], {
    out: (text) => { out += text; }, err: (text) => { err += text; }, interactive: false,
  });
  return { code, out, err };
}

const allItems = async () => (await createDocumentClient().send(new ScanCommand({ TableName: tableName }))).Items ?? [];

describe('wink keys', () => {
  it('create prints the key once and stores only its hash, with name and tenant', async () => {
    const created = await wink('keys', 'create', '--name', 'ci-agents', '--tenant', 'acme');

    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^wink_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain(hashApiKey(key).slice(0, 12));
    expect(await keys.getApiKey(hashApiKey(key))).toEqual({ keyHash: hashApiKey(key), name: 'ci-agents', tenant: 'acme', createdAt: expect.any(String) });
    const stored = JSON.stringify(await allItems());
    expect(stored).toContain(hashApiKey(key));
    expect(stored).not.toContain(key);
  });

  it('list shows name, tenant, created, revoked and a hash prefix, never the key', async () => {
    const first = (await wink('keys', 'create', '--name', 'first')).out.trim();
    const second = (await wink('keys', 'create', '--name', 'second', '--tenant', 'acme')).out.trim();

    const listed = await wink('keys', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      { keyHashPrefix: hashApiKey(first).slice(0, 12), name: 'first', tenant: null, createdAt: expect.any(String), revokedAt: null },
      { keyHashPrefix: hashApiKey(second).slice(0, 12), name: 'second', tenant: 'acme', createdAt: expect.any(String), revokedAt: null },
    ]);
    const table = await wink('keys', 'list');
    expect(table.out).toMatch(/^HASH\s+NAME\s+TENANT\s+CREATED\s+REVOKED\n/);
    expect(table.out).toContain('acme');
    for (const text of [listed.out, table.out]) {
      expect(text).not.toContain(first);
      expect(text).not.toContain(second);
    }
  });

  it('revoke by hash prefix or by the key marks it revoked; list shows when', async () => {
    const byPrefix = (await wink('keys', 'create', '--name', 'a')).out.trim();
    const byKey = (await wink('keys', 'create', '--name', 'b')).out.trim();

    expect((await wink('keys', 'revoke', hashApiKey(byPrefix).slice(0, 12))).code).toBe(0);
    expect((await wink('keys', 'revoke', byKey)).code).toBe(0);

    const listed = JSON.parse((await wink('keys', 'list', '--json')).out) as Array<{ name: string; revokedAt: string | null }>;
    expect(listed.map((k) => [k.name, typeof k.revokedAt])).toEqual([['a', 'string'], ['b', 'string']]);
    expect((await keys.getApiKey(hashApiKey(byKey)))?.revokedAt).toEqual(expect.any(String));
  });

  it('refuses an unknown prefix, a bad tenant and a short key, saying why', async () => {
    const unknown = await wink('keys', 'revoke', 'abcdef123456');
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('No listed API key has a hash starting with abcdef123456') });
    const badTenant = await wink('keys', 'create', '--tenant', 'a b');
    expect(badTenant).toMatchObject({ code: 2, err: expect.stringContaining('tenant: 1 to 64 letters') });
    const shortKey = await wink('keys', 'create', '--key', 'short');
    expect(shortKey).toMatchObject({ code: 2, err: expect.stringContaining('at least 24 characters') });
    expect(await allItems()).toEqual([]);
    const given = `wink_given_${'y'.repeat(30)}`;
    expect((await wink('keys', 'create', '--key', given, '--name', 'first')).code).toBe(0);
    const again = await wink('keys', 'create', '--key', given, '--name', 'second', '--tenant', 'other');
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('This API key is stored already') });
    expect(await keys.getApiKey(hashApiKey(given))).toMatchObject({ name: 'first' });
    expect(await keys.getApiKey(hashApiKey(given))).not.toHaveProperty('tenant');
  });

  it('needs a table name', async () => {
    let err = '';
    const code = await main(['keys', 'list'], { out: () => undefined, err: (text) => { err += text; }, interactive: false });
    expect(code).toBe(1);
    expect(err).toContain('--table or WINK_TABLE_NAME');
  });
});

describe('ApiKeyAuthenticator', () => {
  it('refuses a revoked key once its cached answer expires, and not before (injected clock)', async () => {
    const key = (await wink('keys', 'create', '--name', 'soon-revoked')).out.trim();
    let now = 1_000_000;
    const authenticator = new ApiKeyAuthenticator(keys, () => now);
    await expect(authenticator.authenticate(`Bearer ${key}`)).resolves.toBe(hashApiKey(key));

    await wink('keys', 'revoke', key);
    now += VALID_KEY_CACHE_MS - 1;
    await expect(authenticator.authenticate(`Bearer ${key}`)).resolves.toBe(hashApiKey(key));
    now += 1;
    await expect(authenticator.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ statusCode: 401, message: 'Invalid API key' });
    // A fresh container (no cache) refuses it at once.
    await expect(new ApiKeyAuthenticator(keys, () => now).authenticate(`Bearer ${key}`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('accepts a key created after a refusal within the short negative cache time', async () => {
    const key = `wink_given_${'x'.repeat(30)}`;
    let now = 5_000_000;
    const authenticator = new ApiKeyAuthenticator(keys, () => now);
    await expect(authenticator.authenticate(`Bearer ${key}`)).rejects.toMatchObject({ statusCode: 401 });
    await wink('keys', 'create', '--key', key);
    now += INVALID_KEY_CACHE_MS;
    await expect(authenticator.authenticate(`Bearer ${key}`)).resolves.toBe(hashApiKey(key));
  });

  it('gives a tenant key its tenant as owner, and a key without a tenant its own hash (as before tenants)', async () => {
    const tenantKey = (await wink('keys', 'create', '--tenant', 'acme')).out.trim();
    const ownKey = (await wink('keys', 'create')).out.trim();
    const authenticator = new ApiKeyAuthenticator(keys);

    await expect(authenticator.authenticateCaller(`Bearer ${tenantKey}`)).resolves.toEqual({ keyHash: hashApiKey(tenantKey), ownerId: 'tenant:acme' });
    await expect(authenticator.authenticateCaller(`Bearer ${ownKey}`)).resolves.toEqual({ keyHash: hashApiKey(ownKey), ownerId: hashApiKey(ownKey) });
    expect(ownerIdOf({ keyHash: 'abc' })).toBe('abc');
  });
});
