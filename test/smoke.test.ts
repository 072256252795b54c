import { describe, expect, it, inject } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';

describe('local servers', () => {
  it('DynamoDB Local and fauxqs answer on loopback', async () => {
    const dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint') });
    const sqs = new SQSClient({ endpoint: inject('sqsEndpoint') });
    expect(inject('dynamoEndpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(dynamo.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    await expect(sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
  });
});
