import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../tenancy/apiKeys.ts';
import { API_KEY_DIRECTORY_PK, API_KEY_SK, apiKeyDirectorySk, apiKeyPk } from './keys.ts';

/** The key hash (or prefix) names no key, or a prefix names more than one. */
export class ApiKeyNotFoundError extends Error {
  override readonly name = 'ApiKeyNotFoundError';
}

/** A key with this hash is stored already (a `--key` given twice): nothing was changed. */
export class ApiKeyExistsError extends Error {
  override readonly name = 'ApiKeyExistsError';
}

/** Two items per key, written together: `APIKEY#<hash>` (what authentication reads, one GetItem) and an entry in the `APIKEYS` directory (what listing reads, one Query instead of a table scan). */
export async function readApiKey(client: DynamoDBDocumentClient, tableName: string, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: apiKeyPk(keyHash), sk: API_KEY_SK } }));
  return Item ? toRecord(keyHash, Item) : undefined;
}

/**
 * DynamoDB adapter for API keys (`wink keys`, the local stack, the ingest authenticator). Keys made
 * before the directory existed are found by their hash (authentication, revoke by full key) but are
 * not listed.
 */
export class ApiKeyStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return readApiKey(this.client, this.tableName, keyHash);
  }

  /** Stores a new key (its hash) and its directory entry; refuses to overwrite an existing key. */
  async putApiKey(record: ApiKeyRecord): Promise<void> {
    const attributes = { name: record.name, createdAt: record.createdAt, ...(record.tenant !== undefined ? { tenant: record.tenant } : {}) };
    try {
      await this.client.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { pk: apiKeyPk(record.keyHash), sk: API_KEY_SK, ...attributes }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.tableName, Item: { pk: API_KEY_DIRECTORY_PK, sk: apiKeyDirectorySk(record.keyHash), keyHash: record.keyHash, ...attributes } } },
        ],
      }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ApiKeyExistsError('This API key is stored already', { cause: error });
      }
      throw error;
    }
  }

  /** Every listed key, oldest first. */
  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': API_KEY_DIRECTORY_PK },
        ExclusiveStartKey: exclusiveStartKey,
      }));
      for (const item of response.Items ?? []) records.push(toRecord(item.keyHash as string, item));
      exclusiveStartKey = response.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The one listed key whose hash starts with `prefix`. */
  async findByHashPrefix(prefix: string): Promise<ApiKeyRecord> {
    const matches = (await this.listApiKeys()).filter((record) => record.keyHash.startsWith(prefix.toLowerCase()));
    if (matches.length === 0) throw new ApiKeyNotFoundError(`No listed API key has a hash starting with ${prefix}`);
    if (matches.length > 1) throw new ApiKeyNotFoundError(`${matches.length} API keys have a hash starting with ${prefix}; give more characters`);
    return matches[0]!;
  }

  /**
   * Marks the key revoked (kept, so `list` shows when). Returns the record as it now stands; a key
   * already revoked keeps its first revocation time.
   */
  async revokeApiKey(keyHash: string, revokedAt: string): Promise<ApiKeyRecord> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: apiKeyPk(keyHash), sk: API_KEY_SK },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': revokedAt },
      }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ApiKeyNotFoundError('No such API key', { cause: error });
      throw error;
    }
    const record = (await this.getApiKey(keyHash))!;
    // The directory entry mirrors it for listing; keys made before the directory have none.
    await this.client.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { pk: API_KEY_DIRECTORY_PK, sk: apiKeyDirectorySk(keyHash) },
      UpdateExpression: 'SET revokedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': record.revokedAt },
    })).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
    return record;
  }
}

function toRecord(keyHash: string, item: Record<string, unknown>): ApiKeyRecord {
  return {
    keyHash,
    name: item.name as string,
    createdAt: item.createdAt as string,
    ...(typeof item.tenant === 'string' ? { tenant: item.tenant } : {}),
    ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
  };
}
