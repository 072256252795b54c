import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SessionRecord } from '../records.ts';
import { CLAUDE_CODE_SK, SESSION_SK, claudeCodePk, hookStepSk, sessionPk } from './keys.ts';
import { TTL_ATTRIBUTE } from './tableDefinition.ts';

/** Which Wink session a Claude Code session_id (of one API key) maps to, and its hook bookkeeping. */
export interface ClaudeCodeLink {
  sessionId: string;
  /** The index the next hook step gets: Wink numbers hook steps in arrival order. */
  nextIndex: number;
  /** stop_hook_active of the latest Stop event, so a Stop is never blocked twice in a row while active. */
  lastStopHookActive?: boolean;
}

/** Index allocation kept losing to concurrent hooks this many times: give up (the caller answers `{}`). */
export class HookIndexContentionError extends Error {
  override readonly name = 'HookIndexContentionError';
}

const MAX_ALLOCATION_ATTEMPTS = 12;

/**
 * DynamoDB adapter for the Claude Code hook integration: the link item `CLAUDECODE#<key>#<id>`
 * (one per API key and Claude Code session_id) and the per-tool-use index items that make a
 * redelivered hook the same step.
 */
export class ClaudeCodeLinkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 30,
  ) {}

  private expiresAt(nowMs: number): number {
    return Math.floor(nowMs / 1000) + this.retentionDays * 86_400;
  }

  async getLink(ownerKeyHash: string, claudeSessionId: string): Promise<ClaudeCodeLink | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: claudeCodePk(ownerKeyHash, claudeSessionId), sk: CLAUDE_CODE_SK }, ConsistentRead: true }),
    );
    return Item ? { sessionId: Item.sessionId as string, nextIndex: Item.nextIndex as number, ...(Item.lastStopHookActive !== undefined ? { lastStopHookActive: Item.lastStopHookActive as boolean } : {}) } : undefined;
  }

  /**
   * Creates the Wink session and its link in one transaction: of two first events racing, exactly
   * one creates; the other gets false and reads the winner's link.
   */
  async createLinkedSession(session: SessionRecord, claudeSessionId: string, nowMs: number): Promise<boolean> {
    const expiresAt = this.expiresAt(nowMs);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: claudeCodePk(session.ownerKeyHash, claudeSessionId), sk: CLAUDE_CODE_SK, sessionId: session.sessionId, nextIndex: 0, [TTL_ATTRIBUTE]: expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: sessionPk(session.sessionId), sk: SESSION_SK, ...session, [TTL_ATTRIBUTE]: expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException &&
          error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) {
        return false;
      }
      throw error;
    }
  }

  /**
   * The step index for one hook event. With a dedupe key (a tool_use_id), the first delivery takes
   * the next index and records it, in one transaction conditioned on the counter it read, so a
   * retried hook gets the same index back and indexes have no gaps; without one, the counter is
   * simply incremented (atomic ADD).
   */
  async allocateIndex(ownerKeyHash: string, claudeSessionId: string, sessionId: string, dedupeKey: { event: string; toolUseId: string } | undefined, nowMs: number): Promise<number> {
    const linkKey = { pk: claudeCodePk(ownerKeyHash, claudeSessionId), sk: CLAUDE_CODE_SK };
    if (!dedupeKey) {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName, Key: linkKey,
          UpdateExpression: 'ADD nextIndex :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_OLD',
          // A link removed by DELETE /v1/sessions/{id} must not come back as an empty counter.
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return (Attributes?.nextIndex as number | undefined) ?? 0;
    }
    const stepKey = { pk: sessionPk(sessionId), sk: hookStepSk(dedupeKey.event, dedupeKey.toolUseId) };
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt += 1) {
      const known = await this.client.send(new GetCommand({ TableName: this.tableName, Key: stepKey, ConsistentRead: true }));
      if (known.Item) return known.Item.index as number;
      const link = await this.getLink(ownerKeyHash, claudeSessionId);
      if (!link) throw new Error(`Claude Code link for session ${sessionId} is missing`);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName, Key: linkKey,
                  UpdateExpression: 'SET nextIndex = :next', ConditionExpression: 'nextIndex = :current',
                  ExpressionAttributeValues: { ':next': link.nextIndex + 1, ':current': link.nextIndex },
                },
              },
              { Put: { TableName: this.tableName, Item: { ...stepKey, index: link.nextIndex, [TTL_ATTRIBUTE]: this.expiresAt(nowMs) }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        );
        return link.nextIndex;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // Another hook moved the counter or recorded this tool use: read again.
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new HookIndexContentionError(`Could not allocate a step index for session ${sessionId}`);
  }

  async setLastStopHookActive(ownerKeyHash: string, claudeSessionId: string, active: boolean): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: claudeCodePk(ownerKeyHash, claudeSessionId), sk: CLAUDE_CODE_SK },
          UpdateExpression: 'SET lastStopHookActive = :active',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':active': active },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
