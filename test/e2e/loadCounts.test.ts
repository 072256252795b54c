import { describe, expect, inject, it } from 'vitest';
import { runLoadHarness } from '../../bench/load.ts';

/**
 * `npm run bench:load` in small (issue 15): 10 sessions posting at once through the whole local
 * pipeline (HTTP, fauxqs, DynamoDB Local, detector and notifier pollers, a webhook receiver), some
 * with an injected loop. Counts only, read back from the table and the queues; timings are the
 * bench's business.
 */
describe('load run, small (10 sessions × 20 steps, 10 at once)', () => {
  it('loses no accepted step, records exactly one intervention per expected episode, leaves no message, delivers every intervention', async () => {
    const outcome = await runLoadHarness({
      sessions: 10,
      steps: 20,
      concurrency: 10,
      batch: 4,
      misbehavingEvery: 3,
      detectorWorkers: 4,
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      prefix: `load-${process.pid}`,
      deadlineMs: 100_000,
    });
    expect(outcome).toMatchObject({
      sessionsCreated: 10,
      misbehavingSessions: 4,
      acceptedSteps: 200,
      refusedRequests: 0,
      abandonedSessions: 0,
      lost: 0,
      duplicateInterventions: 0,
      // Every expected episode (two loop kinds, alternating) has exactly one intervention, no clean session has one.
      expectedInterventions: 4,
      interventions: 4,
      missedEpisodes: 0,
      unexpectedInterventions: 0,
      unprocessed: 0,
      webhooksDistinct: 4,
    });
  }, 120_000);
});
