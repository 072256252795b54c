import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { tableDefinition } from '../../shared/store/tableDefinition.ts';
import { WinkStore } from '../../shared/store/winkStore.ts';

/** Points the AWS SDK at the loopback servers the global setup started. */
export function useLocalAws(): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
  process.env.AWS_ENDPOINT_URL_SQS = inject('sqsEndpoint');
}

/** A fresh table in DynamoDB Local, and a store over it. */
export async function freshStore(retentionDays = 30): Promise<{ store: WinkStore; tableName: string }> {
  useLocalAws();
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const dynamo = new DynamoDBClient({});
  await dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  dynamo.destroy();
  return { store: new WinkStore(createDocumentClient(), tableName, retentionDays), tableName };
}

/** A fresh standard queue in the local SQS server. */
export async function freshQueue(sqs: SQSClient, name = 'q'): Promise<string> {
  useLocalAws();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${randomBytes(6).toString('hex')}` }));
  return QueueUrl!;
}

/** Every message currently in the queue (received and left to reappear). */
export async function drainBodies(sqs: SQSClient, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => JSON.parse(m.Body!)));
  }
}
