import { Duration } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface QueueWithDlq {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export interface QueueWithDlqOptions {
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  /**
   * A FIFO queue (and a FIFO dead-letter queue, which SQS requires), in high-throughput mode:
   * deduplication and throughput are per message group, so many groups scale out. @default false
   */
  readonly fifo?: boolean;
}

/** TLS-only and SQS-encrypted, for every queue. */
const SECURE_QUEUE_PROPS = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;

/**
 * A work queue and its dead-letter queue. The DLQ keeps messages 14 days (the SQS maximum) so an
 * operator has time to inspect and redrive them. (cdk-nag's SQS3
 * recognises a queue used as a DLQ, so it needs no DLQ of its own and no acknowledgment.)
 */
export function createQueueWithDlq(scope: Construct, id: string, options: QueueWithDlqOptions): QueueWithDlq {
  if (!Number.isInteger(options.maxReceiveCount) || options.maxReceiveCount < 1 || options.maxReceiveCount > 1000) {
    throw new Error(`${id}: maxReceiveCount must be an integer between 1 and 1000, got ${options.maxReceiveCount}`);
  }
  const fifo = options.fifo
    ? {
        fifo: true,
        contentBasedDeduplication: false,
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      }
    : {};
  const deadLetterQueue = new Queue(scope, `${id}DeadLetterQueue`, {
    ...SECURE_QUEUE_PROPS,
    ...(options.fifo ? { fifo: true } : {}),
    retentionPeriod: Duration.days(14),
  });
  const queue = new Queue(scope, `${id}Queue`, {
    ...SECURE_QUEUE_PROPS,
    ...fifo,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: options.retentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

/**
 * What Lambda's SQS event source mapping accepts, checked at synth time with a readable message.
 * For a FIFO queue: batches of at most 10 and no batching window.
 */
export function validateEventSourceSettings(batchSize: number, maxBatchingWindow: Duration | undefined, maxConcurrency: number, fifo = false): void {
  const maxBatch = fifo ? 10 : 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
    throw new Error(`batchSize must be an integer between 1 and ${maxBatch}${fifo ? ' (a FIFO queue)' : ''}, got ${batchSize}`);
  }
  if (fifo && (maxBatchingWindow?.toSeconds() ?? 0) > 0) {
    throw new Error('a FIFO queue takes no maxBatchingWindow (Lambda does not support one)');
  }
  if (batchSize > 10 && (maxBatchingWindow?.toSeconds() ?? 0) === 0) {
    throw new Error(`a batchSize above 10 (${batchSize}) needs a maxBatchingWindow`);
  }
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
    throw new Error(`maxConcurrency must be an integer between 2 and 1000, got ${maxConcurrency}`);
  }
}
