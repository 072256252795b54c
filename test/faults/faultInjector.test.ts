import { InternalServerError, ProvisionedThroughputExceededException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/store/documentClient.ts';
import { freshStore } from '../support/localAws.ts';
import { callSites, installFaultInjector, type FaultRule } from '../support/faultInjector.ts';

/**
 * The fault injector itself, on a real DynamoDB client against DynamoDB Local: the errors are the
 * SDK's own classes, the counts and the seed hold, and `after_success` really writes.
 */
describe('fault injector (middleware on the real DynamoDB client)', () => {
  const faults = installFaultInjector(7);
  let tableName: string;
  let client: ReturnType<typeof createDocumentClient>;

  beforeAll(async () => {
    ({ tableName } = await freshStore());
    client = createDocumentClient();
  });

  const isPut = (call: { command: string }) => call.command === 'PutItem';
  const put = (sk: string) => client.send(new PutCommand({ TableName: tableName, Item: { pk: 'P', sk } }));
  const get = async (sk: string) => (await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'P', sk }, ConsistentRead: true }))).Item;

  it('throws the SDK\'s own throttling and server errors, after `skip` calls and at most `times`', async () => {
    faults.script({ name: 'throttle', match: isPut, fault: 'throttling', skip: 1, times: 2 });
    await expect(put('a')).resolves.toBeDefined();
    await expect(put('b')).rejects.toBeInstanceOf(ThrottlingException);
    await expect(put('b')).rejects.toBeInstanceOf(ThrottlingException);
    await expect(put('b')).resolves.toBeDefined();
    expect(faults.injected.throttle).toBe(2);

    faults.script(
      { name: 'capacity', match: isPut, fault: 'throughput_exceeded', times: 1 },
      { name: 'five-hundred', match: isPut, fault: 'server_error', times: 1 },
    );
    await expect(put('c')).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    await expect(put('c')).rejects.toBeInstanceOf(InternalServerError);
    expect(await get('c')).toBeUndefined();
    faults.clear();
  });

  it('after_success: the write is stored, and the caller still gets a 500', async () => {
    faults.script({ name: 'lost-reply', match: isPut, fault: 'after_success', times: 1 });
    const error = await put('d').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).$metadata.httpStatusCode).toBe(500);
    expect(await get('d')).toEqual({ pk: 'P', sk: 'd' });
    faults.clear();
  });

  it('a probability rule fires on the same calls for the same seed', async () => {
    const pattern = async (seed: number) => {
      const injector = installFaultInjector(seed);
      const seeded = createDocumentClient(); // created after install: carries only this injector's middleware besides the others
      const rule: FaultRule = { name: `p-${seed}`, match: (call) => call.command === 'GetItem', fault: 'server_error', probability: 0.5 };
      injector.script(rule);
      const outcomes: boolean[] = [];
      for (let i = 0; i < 16; i += 1) {
        outcomes.push(await seeded.send(new GetCommand({ TableName: tableName, Key: { pk: 'P', sk: 'a' } })).then(() => true, () => false));
      }
      injector.clear();
      return outcomes;
    };
    faults.clear();
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(0);
  });

  it('at the wire layer the SDK\'s own retries absorb a short burst of throttling (each attempt counted)', async () => {
    faults.script({ name: 'wire-throttle', match: isPut, fault: 'throttling', times: 2, layer: 'wire' });
    await expect(put('e')).resolves.toBeDefined();
    expect(faults.injected['wire-throttle']).toBe(2);
    expect(await get('e')).toEqual({ pk: 'P', sk: 'e' });
    faults.clear();
  });

  it('names Wink\'s call sites by what the call writes or reads', () => {
    const call = (command: string, input: unknown) => ({ service: 'dynamodb' as const, command, input, origin: 'other' as const });
    expect(callSites.commitDetection(call('TransactWriteItems', { TransactItems: [{ Update: { ConditionExpression: 'version = :expected' } }] }))).toBe(true);
    expect(callSites.putNewSteps(call('TransactWriteItems', { TransactItems: [{ Put: {} }, { Update: { UpdateExpression: 'ADD stepCount :n SET #ttl = :ttl' } }] }))).toBe(true);
    expect(callSites.commitDetection(call('TransactWriteItems', { TransactItems: [{ Update: { UpdateExpression: 'ADD stepCount :n' } }] }))).toBe(false);
    expect(callSites.getSession(call('GetItem', { Key: { pk: { S: 'SESSION#x' }, sk: { S: 'SESSION' } } }))).toBe(true);
    expect(callSites.stepsFrom(call('Query', { ExpressionAttributeValues: { ':from': 'STEP#000001' } }))).toBe(true);
  });
});
