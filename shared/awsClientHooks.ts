import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

export type AwsClient = DynamoDBClient | SQSClient;
type ClientHook = (client: AwsClient, service: 'dynamodb' | 'sqs') => void;

/**
 * Hooks run on every AWS client the handlers create. None are registered in production; the bench
 * registers one that adds a middleware counting requests and consumed capacity on the real clients.
 */
const hooks: ClientHook[] = [];

export function onAwsClientCreated(hook: ClientHook): void {
  hooks.push(hook);
}

export function announceAwsClient<C extends AwsClient>(client: C, service: 'dynamodb' | 'sqs'): C {
  for (const hook of hooks) hook(client, service);
  return client;
}
