import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WindowCounter, WindowSlot } from '../limits/rateLimits.ts';
import { rateLimitPk, rateLimitSk } from './keys.ts';
import { TTL_ATTRIBUTE } from './tableDefinition.ts';

/**
 * Fixed-window counters in the Wink table: one item per key (or tenant) and window, incremented
 * with a conditional update, so concurrent containers share one count without a read. A refused
 * request does not count. Each item expires by TTL a window after its own.
 */
export class DynamoWindowCounter implements WindowCounter {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async incrementBelow(slot: WindowSlot): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: rateLimitPk(slot.scope, slot.id), sk: rateLimitSk(slot.windowStartSeconds) },
        UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'requestCount', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1, ':limit': slot.limit, ':ttl': slot.expiresAtSeconds },
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
