import { describe, expect, inject, it } from 'vitest';
import { runContentionHarness } from '../../bench/contention.ts';

/**
 * One session, many detector workers: the steps queue hands a session to one run at a time, so a
 * burst of single-step posts wastes no run on a lost version check and fails no record. (The full
 * 50-post, 10-worker numbers are in `npm run bench`; this is a smaller burst, counts only.)
 */
describe('per-session contention (10 detector pollers, fauxqs FIFO + DynamoDB Local)', () => {
  it('a burst of single-step posts to one session: every step detected, no lost run, no failed record, one intervention', async () => {
    const outcome = await runContentionHarness({
      posts: 12,
      workers: 10,
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      prefix: `contention-${process.pid}`,
      timeoutMs: 45_000,
    });
    expect(outcome).toMatchObject({ caughtUp: true, lostRuns: 0, failedRecords: 0, deadLettered: 0, interventions: 1 });
    // Every message woke a run or found its steps observed; a run never came back empty-handed.
    expect(outcome.emptyRuns).toBe(0);
    expect(outcome.detectionRuns).toBeLessThanOrEqual(12);
  }, 60_000);
});
