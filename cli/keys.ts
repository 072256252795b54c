import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { VALID_KEY_CACHE_MS } from '../shared/api/authenticate.ts';
import { ENV } from '../shared/config.ts';
import { ApiKeyExistsError, ApiKeyNotFoundError, ApiKeyStore } from '../shared/store/apiKeyStore.ts';
import {
  KEY_HASH_PREFIX_LENGTH, KeyNameSchema, TenantSchema, apiKeyProblem, generateApiKey, hashApiKey, type ApiKeyRecord,
} from '../shared/tenancy/apiKeys.ts';
import { CliError, type CliIo } from './io.ts';

/** What `wink keys` needs of the key store (ApiKeyStore has it). */
export type KeyAdmin = Pick<ApiKeyStore, 'putApiKey' | 'listApiKeys' | 'findByHashPrefix' | 'getApiKey' | 'revokeApiKey'>;

/** Stores the hash of `key` (or of a fresh key); returns the key, which is kept nowhere. */
export async function createApiKey(
  store: Pick<ApiKeyStore, 'putApiKey'>,
  options: { name: string; tenant?: string | undefined; key?: string | undefined; now?: Date },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = options.key ?? generateApiKey();
  const problem = apiKeyProblem(key);
  if (problem) throw new CliError(problem, 2);
  const name = parseOrFail(KeyNameSchema, options.name);
  const tenant = options.tenant === undefined ? undefined : parseOrFail(TenantSchema, options.tenant);
  const record: ApiKeyRecord = { keyHash: hashApiKey(key), name, createdAt: (options.now ?? new Date()).toISOString(), ...(tenant ? { tenant } : {}) };
  try {
    await store.putApiKey(record);
  } catch (error) {
    if (error instanceof ApiKeyExistsError) throw new CliError(`${error.message} (hash ${record.keyHash.slice(0, KEY_HASH_PREFIX_LENGTH)}); nothing changed`, 1, { cause: error });
    throw error;
  }
  return { key, record };
}

/** A key's listing: never the key, only a prefix of its hash. */
export function describeKey(record: ApiKeyRecord) {
  return {
    keyHashPrefix: record.keyHash.slice(0, KEY_HASH_PREFIX_LENGTH),
    name: record.name,
    tenant: record.tenant ?? null,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt ?? null,
  };
}

/**
 * Revokes by the key itself (works for keys made before the directory, too) or by the hash prefix
 * `wink keys list` shows.
 */
export async function revokeApiKey(store: KeyAdmin, keyOrHashPrefix: string, now = new Date()): Promise<ApiKeyRecord> {
  try {
    const byKey = await store.getApiKey(hashApiKey(keyOrHashPrefix));
    if (byKey) return await store.revokeApiKey(hashApiKey(keyOrHashPrefix), now.toISOString());
    if (!/^[0-9a-f]{6,64}$/i.test(keyOrHashPrefix)) throw new CliError('give the API key itself, or at least 6 hex characters of its hash (wink keys list)', 2);
    const record = await store.findByHashPrefix(keyOrHashPrefix);
    return await store.revokeApiKey(record.keyHash, now.toISOString());
  } catch (error) {
    if (error instanceof ApiKeyNotFoundError) throw new CliError(error.message, 1, { cause: error });
    throw error;
  }
}

interface TableOptions {
  table?: string;
  endpoint?: string;
}

/** `wink keys …` against a table: a deployed one (default AWS credentials and region) or the local stack's (`--endpoint`). */
export function addKeysCommand(program: Command, io: CliIo, storeFor: (options: TableOptions) => KeyAdmin = openKeyStore): void {
  const keys = program.command('keys').description('Create, list and revoke API keys (only their SHA-256 hashes are stored)');
  const withTable = (command: Command) => command
    .option('--table <name>', `DynamoDB table (default: $${ENV.tableName}; the stack output TableName, or what npm start prints)`)
    .option('--endpoint <url>', 'DynamoDB endpoint, e.g. the local stack\'s (default: $AWS_ENDPOINT_URL_DYNAMODB, else AWS)');

  withTable(keys.command('create'))
    .description('Store a new key and print it once on stdout')
    .option('--name <label>', 'who or what the key is for', 'default')
    .option('--tenant <tenant>', 'keys of one tenant share its sessions (default: the key is its own tenant)')
    .option('--key <key>', 'store this key instead of generating one')
    .action(async (opts: TableOptions & { name: string; tenant?: string; key?: string }) => {
      const store = storeFor(opts);
      const { key, record } = await createApiKey(store, { name: opts.name, tenant: opts.tenant, key: opts.key });
      io.err(`Stored the hash of a new API key named "${record.name}"${record.tenant ? ` for tenant "${record.tenant}"` : ''} in ${tableName(opts)} (hash ${record.keyHash.slice(0, KEY_HASH_PREFIX_LENGTH)}). The key (shown once):\n`);
      io.out(`${key}\n`);
    });

  withTable(keys.command('list'))
    .description('List keys: name, tenant, created, revoked and a hash prefix (never the key)')
    .option('--json', 'print a JSON array')
    .action(async (opts: TableOptions & { json?: boolean }) => {
      const listed = (await storeFor(opts).listApiKeys()).map(describeKey);
      if (opts.json) {
        io.out(`${JSON.stringify(listed, null, 2)}\n`);
        return;
      }
      const rows = [['HASH', 'NAME', 'TENANT', 'CREATED', 'REVOKED'], ...listed.map((k) => [k.keyHashPrefix, k.name, k.tenant ?? '-', k.createdAt, k.revokedAt ?? '-'])];
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      io.out(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n');
    });

  withTable(keys.command('revoke'))
    .description(`Revoke a key; Wink refuses it within ${VALID_KEY_CACHE_MS / 1000} s (the API's key cache)`)
    .argument('<key-or-hash-prefix>', 'the key itself, or the hash prefix `wink keys list` shows')
    .action(async (keyOrPrefix: string, opts: TableOptions) => {
      const record = await revokeApiKey(storeFor(opts), keyOrPrefix);
      io.err(`Revoked key ${record.keyHash.slice(0, KEY_HASH_PREFIX_LENGTH)} ("${record.name}") at ${record.revokedAt}; it is refused within ${VALID_KEY_CACHE_MS / 1000} s.\n`);
    });
}

function tableName(options: TableOptions): string {
  const name = options.table ?? process.env[ENV.tableName];
  if (!name) throw new CliError(`Give the table name with --table or ${ENV.tableName} (stack output TableName; npm start prints the local one)`, 1);
  return name;
}

function openKeyStore(options: TableOptions): KeyAdmin {
  const name = tableName(options);
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const local = endpoint !== undefined && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(endpoint);
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    // DynamoDB Local takes any credentials: a local endpoint works without an AWS profile.
    ...(local ? { region: process.env.AWS_REGION ?? 'us-east-1' } : {}),
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  return new ApiKeyStore(DynamoDBDocumentClient.from(client), name);
}

function parseOrFail<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(parsed.error.issues.map((issue) => issue.message).join('; '), 2);
  return parsed.data;
}
