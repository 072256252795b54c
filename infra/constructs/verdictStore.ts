import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TTL_ATTRIBUTE } from '../../shared/store/tableDefinition.ts';

export interface VerdictStoreProps {
  /** Refuse DeleteTable calls, including a stack deletion. @default true */
  readonly deletionProtection?: boolean;
  /** What happens to the table when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Everything Wink stores, in one on-demand table (single-table design).
 *
 * Key design — `pk` (S) / `sk` (S), as in shared/store/keys.ts:
 *   pk = SESSION#<sessionId>  sk = SESSION                      session metadata + detection state
 *   pk = SESSION#<sessionId>  sk = STEP#<index, 16 digits>       one ingested step (sorted by index)
 *   pk = SESSION#<sessionId>  sk = VERDICT#<index>#<subtype>     a detector verdict
 *   pk = SESSION#<sessionId>  sk = EPISODE#<episodeId>           a misbehavior episode
 *   pk = SESSION#<sessionId>  sk = INTERVENTION#<episodeId>      the guidance sent for an episode;
 *                                                                written with attribute_not_exists(pk):
 *                                                                at most one intervention per episode
 *   pk = APIKEY#<sha256 hex>  sk = APIKEY                        an agent API key (hash only, never the key)
 *
 * One session's items share a partition, so "everything about session X" is one Query and every
 * access pattern is a key lookup: no index is needed. `expiresAt` (epoch seconds) is the TTL
 * attribute: a session's items expire after the configured retention; API keys carry none.
 */
export class VerdictStore extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: VerdictStoreProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
