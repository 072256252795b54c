import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `npm run bench -- --quick` end to end: proves the harness runs and prints every key of issue 14
 * with counted usage behind the cost figures. No timing is asserted (speed lives in the bench).
 */
describe('npm run bench -- --quick', () => {
  it('prints cost, detector, baseline, endToEnd, bundles and machine from counted usage', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'bench/run.ts', '--quick', '--json'], {
      timeout: 280_000, maxBuffer: 32 * 2 ** 20,
    });
    const results = JSON.parse(stdout.slice(stdout.indexOf('{')));
    for (const key of ['cost', 'detector', 'baseline', 'endToEnd', 'bundles', 'machine', 'detection', 'pipeline']) {
      expect(results, key).toHaveProperty(key);
    }
    for (const workload of [results.cost.singleStepRequests, results.cost.batchedBy20]) {
      expect(workload.counted.steps).toBeGreaterThan(0);
      expect(workload.counted.dynamoDb.writeUnits).toBeGreaterThan(0);
      expect(workload.counted.lambda.ingest.invocations).toBeGreaterThan(0);
      expect(workload.counted.lambda.detector.invocations).toBeGreaterThan(0);
      expect(workload.perMillionSteps).toBeGreaterThan(0);
      expect(Object.keys(workload.lineItems)).toEqual(expect.arrayContaining(['dynamoDbWrites', 'sqs', 'lambdaCompute', 'httpApi', 'llmJudge']));
    }
    // One step per request makes one HTTP request per step; twenty per request, one per twenty.
    expect(results.cost.singleStepRequests.counted.httpRequests).toBe(results.cost.singleStepRequests.counted.steps + 1);
    expect(results.cost.batchedBy20.counted.httpRequests).toBe(results.cost.batchedBy20.counted.steps / 20 + 1);
    for (const name of ['ingest', 'detector', 'notifier']) expect(results.bundles[name].minifiedBytes).toBeGreaterThan(0);
    expect(results.machine.cores).toBeGreaterThan(0);
  }, 300_000);
});
