import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { queueDepth } from '../../local/queueDepth.ts';
import type { LocalResources } from '../../local/resources.ts';

/** What one session holds in the table, counted item by item. */
export interface SessionCensus {
  /** Step indexes stored (a step item per index). */
  steps: number[];
  /** The step counter the ingest transaction keeps beside the steps. */
  stepCount: number;
  /** Intervention items by episode id, with their delivery record. */
  interventions: { episodeId: string; interventionId: string; delivery: { status: string; attempts: number } }[];
  /** Detection progress: the next step index a run will observe. */
  nextIndex: number;
}

/**
 * Scans the whole table (every page) with a plain client — not a sample: what the faults left
 * behind, session by session. The client is created here, so it carries whatever hooks are
 * installed; scans match no fault rule of Wink's call sites.
 */
export async function censusTable(tableName: string): Promise<Map<string, SessionCensus>> {
  const dynamo = new DynamoDBClient({});
  const sessions = new Map<string, SessionCensus>();
  const of = (pk: string) => {
    const id = pk.slice('SESSION#'.length);
    let entry = sessions.get(id);
    if (!entry) sessions.set(id, (entry = { steps: [], stepCount: 0, interventions: [], nextIndex: 0 }));
    return entry;
  };
  try {
    let start: Record<string, any> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        const pk = String(item.pk);
        const sk = String(item.sk);
        if (!pk.startsWith('SESSION#')) continue;
        if (sk === 'SESSION') of(pk).nextIndex = Number(item.detection?.nextIndex ?? 0);
        else if (sk === 'STEPCOUNT') of(pk).stepCount = Number(item.stepCount ?? 0);
        else if (sk.startsWith('STEP#')) of(pk).steps.push(Number(item.step.index));
        else if (sk.startsWith('INTERVENTION#')) {
          of(pk).interventions.push({ episodeId: item.episodeId, interventionId: item.interventionId, delivery: item.delivery });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    dynamo.destroy();
  }
  for (const entry of sessions.values()) entry.steps.sort((a, b) => a - b);
  return sessions;
}

/** Every message in each of the stack's queues: visible, in flight and delayed. */
export async function censusQueues(sqs: SQSClient, resources: LocalResources): Promise<Record<string, number>> {
  const queues = {
    steps: resources.stepsQueueUrl,
    stepsDlq: resources.stepsDlqUrl,
    stepTimer: resources.stepTimerQueueUrl,
    stepTimerDlq: resources.stepTimerDlqUrl,
    notifications: resources.notificationsQueueUrl,
    notificationsDlq: resources.notificationsDlqUrl,
  };
  const counts: Record<string, number> = {};
  for (const [name, url] of Object.entries(queues)) {
    counts[name] = await queueDepth(sqs, url);
  }
  return counts;
}

/** Polls until `check` returns a value, timed with a monotonic clock. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
