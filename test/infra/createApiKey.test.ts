import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/paths.ts';
import { createApiKey, generateApiKey } from '../../scripts/create-api-key.ts';
import { ApiKeyAuthenticator } from '../../shared/api/authenticate.ts';
import { sha256Hex } from '../../shared/canonicalJson.ts';
import { tableDefinition } from '../../shared/store/tableDefinition.ts';
import { ApiKeyStore } from '../../shared/store/apiKeyStore.ts';

const run = promisify(execFile);
const tableName = `api-keys-${randomUUID()}`;
let documents: DynamoDBDocumentClient;
let store: ApiKeyStore;

beforeAll(async () => {
  const dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint') });
  await dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  documents = DynamoDBDocumentClient.from(dynamo);
  store = new ApiKeyStore(documents, tableName);
});

const itemFor = async (key: string) =>
  (await documents.send(new GetCommand({ TableName: tableName, Key: { pk: `APIKEY#${sha256Hex(key)}`, sk: 'APIKEY' } }))).Item;

describe('createApiKey', () => {
  it('stores only the hash of a fresh key, with its name and creation time', async () => {
    const { key } = await createApiKey(store, { name: 'ci-agents', now: new Date('2026-01-02T03:04:05Z') });

    expect(key).toMatch(/^wink_[A-Za-z0-9_-]{43}$/);
    expect(await itemFor(key)).toEqual({ pk: `APIKEY#${sha256Hex(key)}`, sk: 'APIKEY', name: 'ci-agents', createdAt: '2026-01-02T03:04:05.000Z' });
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: tableName }));
    expect(JSON.stringify(Items)).not.toContain(key);
  });

  it('generates a different key every time', () => {
    expect(generateApiKey()).not.toBe(generateApiKey());
  });

  it('refuses a given key too short to be a credential', async () => {
    await expect(createApiKey(store, { name: 'weak', key: 'short-key' })).rejects.toThrow(/at least 24 characters/);
  });
});

describe('scripts/create-api-key.ts', () => {
  const script = join(PROJECT_ROOT, 'scripts', 'create-api-key.ts');
  const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const env = { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'), AWS_REGION: 'us-east-1' };

  it('prints the key once on stdout, and the ingest authenticator then accepts it', async () => {
    const { stdout } = await run(tsx, [script, '--table', tableName, '--name', 'from-cli'], { env, timeout: 30_000 });
    const key = stdout.trim();

    expect(key).toMatch(/^wink_/);
    expect((await itemFor(key))?.name).toBe('from-cli');
    await expect(new ApiKeyAuthenticator(store).authenticate(`Bearer ${key}`)).resolves.toBe(sha256Hex(key));
  });

  it('reads the table from WINK_TABLE_NAME and stores a key it is given', async () => {
    const given = `given-${randomUUID()}`;
    await run(tsx, [script, '--key', given], { env: { ...env, WINK_TABLE_NAME: tableName }, timeout: 30_000 });

    expect((await itemFor(given))?.name).toBe('default');
  });

  it('fails with a readable message when no table is named', async () => {
    const failure = run(tsx, [script], { env: { ...env, WINK_TABLE_NAME: '' }, timeout: 30_000 });

    await expect(failure).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--table or WINK_TABLE_NAME') });
  });
});
