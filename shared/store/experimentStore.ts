import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Arm, SessionEnd } from '../experiments/session.ts';
import type { SessionRecord } from '../records.ts';
import { SESSION_SK, sessionPk } from './keys.ts';
import { TTL_ATTRIBUTE } from './tableDefinition.ts';

/** One session of an experiment, as its member item lists it. */
export interface ExperimentMember {
  sessionId: string;
  arm: Arm;
  createdAt: string;
}

/** Experiments are per API key: another key's experiment of the same name is another experiment. */
export const experimentPk = (ownerKeyHash: string, name: string) => `EXPERIMENT#${ownerKeyHash}#${name}`;
export const memberSk = (sessionId: string) => `MEMBER#${sessionId}`;

/** What enrolment needs of a session. */
export type Enrolment = Pick<SessionRecord, 'sessionId' | 'ownerKeyHash' | 'createdAt' | 'experiment'>;

export type EndSessionResult = { outcome: 'ended' } | { outcome: 'already_ended'; existing: SessionEnd } | { outcome: 'no_session' };

/**
 * DynamoDB adapter for experiments: member items `EXPERIMENT#<key>#<name>` / `MEMBER#<sessionId>`
 * (so a report is one Query, not a scan), and the session's `end`, written once.
 */
export class ExperimentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 30,
  ) {}

  /** Lists the session under its experiment. Idempotent (a plain put of a fact). */
  async enrol(session: Enrolment, nowMs: number): Promise<void> {
    if (!session.experiment) return;
    await this.client.send(new PutCommand({
      TableName: this.tableName,
      Item: {
        pk: experimentPk(session.ownerKeyHash, session.experiment.name), sk: memberSk(session.sessionId),
        sessionId: session.sessionId, arm: session.experiment.arm, createdAt: session.createdAt,
        [TTL_ATTRIBUTE]: Math.floor(nowMs / 1000) + this.retentionDays * 86_400,
      },
    }));
  }

  async listMembers(ownerKeyHash: string, name: string, limit = 10_000): Promise<ExperimentMember[]> {
    const members: ExperimentMember[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
        ExpressionAttributeValues: { ':pk': experimentPk(ownerKeyHash, name), ':member': 'MEMBER#' },
        ExclusiveStartKey: exclusiveStartKey,
        ConsistentRead: true,
      }));
      for (const item of response.Items ?? []) {
        members.push({ sessionId: item.sessionId as string, arm: item.arm as Arm, createdAt: item.createdAt as string });
      }
      exclusiveStartKey = response.LastEvaluatedKey;
    } while (exclusiveStartKey && members.length < limit);
    return members;
  }

  /** Writes the session's end once; a second call gets the first end back. */
  async endSession(sessionId: string, end: SessionEnd): Promise<EndSessionResult> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: sessionPk(sessionId), sk: SESSION_SK },
        UpdateExpression: 'SET #end = :end',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#end)',
        ExpressionAttributeNames: { '#end': 'end' },
        ExpressionAttributeValues: { ':end': end },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      return { outcome: 'ended' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? unmarshall(error.Item as Parameters<typeof unmarshall>[0]) : undefined;
      return old?.end ? { outcome: 'already_ended', existing: old.end as SessionEnd } : { outcome: 'no_session' };
    }
  }
}
