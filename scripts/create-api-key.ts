/**
 * Creates an agent API key: stores only its SHA-256 hash in the Wink table and prints the key
 * once. Uses the default AWS credential chain and region (AWS_PROFILE, AWS_REGION, ...).
 *
 *   npx tsx scripts/create-api-key.ts --table <TableName output> [--name ci-agents] [--key <existing key>]
 *
 * The table name may come from WINK_TABLE_NAME instead of --table.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { sha256Hex } from '../shared/canonicalJson.ts';
import { ENV } from '../shared/config.ts';
import { createDocumentClient } from '../shared/store/documentClient.ts';
import { WinkStore } from '../shared/store/winkStore.ts';

/** Shorter keys are refused: a key is the agent's only credential. */
export const MIN_KEY_LENGTH = 24;

export interface ApiKeyStore {
  putApiKey(keyHash: string, name: string, createdAt: string): Promise<void>;
}

/** 32 random bytes, URL-safe, with a recognisable prefix (secret scanners and humans spot it). */
export function generateApiKey(): string {
  return `wink_${randomBytes(32).toString('base64url')}`;
}

/** Stores the hash of `key` (or of a fresh key) under `name`; returns the key, which is not kept anywhere. */
export async function createApiKey(store: ApiKeyStore, options: { name: string; key?: string | undefined; now?: Date }): Promise<string> {
  const key = options.key ?? generateApiKey();
  if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
    throw new Error(`An API key must be at least ${MIN_KEY_LENGTH} characters with no whitespace`);
  }
  await store.putApiKey(sha256Hex(key), options.name, (options.now ?? new Date()).toISOString());
  return key;
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('create-api-key')
    .description('Store a hashed Wink API key in the table and print the key once')
    .option('--table <name>', `DynamoDB table name (default: $${ENV.tableName})`)
    .option('--name <label>', 'who or what the key is for', 'default')
    .option('--key <key>', 'use this key instead of generating one')
    .parse(argv)
    .opts<{ table?: string; name: string; key?: string }>();
  const tableName = options.table ?? process.env[ENV.tableName];
  if (!tableName) throw new Error(`Give the table name with --table or ${ENV.tableName} (stack output TableName)`);

  const key = await createApiKey(new WinkStore(createDocumentClient(), tableName), { name: options.name, key: options.key });
  process.stderr.write(`Stored the hash of a new API key named "${options.name}" in ${tableName}. The key (shown once):\n`);
  process.stdout.write(`${key}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv).catch((error: unknown) => {
    process.stderr.write(`create-api-key: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
