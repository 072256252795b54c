import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { announceAwsClient } from '../awsClientHooks.ts';

/** One client per container; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set (local). */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(announceAwsClient(new DynamoDBClient({}), 'dynamodb'), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
