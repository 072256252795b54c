import { Duration } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface QueueWithDlq {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export interface QueueWithDlqOptions {
  /** FIFO in high-throughput mode (deduplication and throughput limit per message group). */
  readonly fifo: boolean;
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
}

/** TLS-only, SQS-encrypted; FIFO settings for high throughput where asked. */
function secureQueueProps(fifo: boolean): QueueProps {
  return {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    ...(fifo
      ? {
          fifo: true,
          contentBasedDeduplication: false,
          deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {}),
  };
}

/**
 * A work queue and its dead-letter queue. The DLQ keeps messages 14 days (the SQS maximum) so an
 * operator has time to inspect and redrive them; a FIFO queue needs a FIFO DLQ. (cdk-nag's SQS3
 * recognises a queue used as a DLQ, so it needs no DLQ of its own and no acknowledgment.)
 */
export function createQueueWithDlq(scope: Construct, id: string, options: QueueWithDlqOptions): QueueWithDlq {
  if (!Number.isInteger(options.maxReceiveCount) || options.maxReceiveCount < 1 || options.maxReceiveCount > 1000) {
    throw new Error(`${id}: maxReceiveCount must be an integer between 1 and 1000, got ${options.maxReceiveCount}`);
  }
  const deadLetterQueue = new Queue(scope, `${id}DeadLetterQueue`, {
    ...secureQueueProps(options.fifo),
    retentionPeriod: Duration.days(14),
  });
  const queue = new Queue(scope, `${id}Queue`, {
    ...secureQueueProps(options.fifo),
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: options.retentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
