import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { onAwsClientCreated, type AwsClient } from '../shared/awsClientHooks.ts';

/**
 * Counts what the handlers ask of AWS, by a middleware on the real SDK clients: every DynamoDB call
 * asks for ReturnConsumedCapacity=TOTAL and adds up the read and write units the server reports;
 * when the server reports none, or under-reports (DynamoDB Local does for transactions), the units
 * are computed from DynamoDB's published item-size rules and the call is counted under `computedCalls`.
 * SQS requests are counted by action; a ReceiveMessage that returned nothing is counted apart (idle
 * polling, billed by time rather than by step).
 */
export interface DynamoUsage {
  calls: Record<string, number>;
  /** Units per command: as reported, and as computed from item sizes. */
  unitsByCommand: Record<string, { reportedRead: number; reportedWrite: number; computedRead: number; computedWrite: number }>;
  readUnits: number;
  writeUnits: number;
  /** The same calls' units computed from DynamoDB's item-size rules, as a cross-check of the reported ones. */
  computedReadUnits: number;
  computedWriteUnits: number;
  /** Calls whose units DynamoDB reported, and calls whose units were computed from item sizes. */
  reportedCalls: number;
  computedCalls: Record<string, number>;
}

export interface Usage {
  dynamodb: DynamoUsage;
  /** `fifoBilled`: requests on a FIFO queue (URL ending `.fifo`) other than empty receives; SQS prices them higher. */
  sqs: { requests: Record<string, number>; emptyReceives: number; fifoBilled: number };
}

const CAPACITY_COMMANDS = new Set([
  'GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'QueryCommand', 'ScanCommand',
  'BatchGetItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand', 'TransactGetItemsCommand',
]);

export function emptyUsage(): Usage {
  return {
    dynamodb: { calls: {}, unitsByCommand: {}, readUnits: 0, writeUnits: 0, computedReadUnits: 0, computedWriteUnits: 0, reportedCalls: 0, computedCalls: {} },
    sqs: { requests: {}, emptyReceives: 0, fifoBilled: 0 },
  };
}

/** Time a handler invocation spent waiting on AWS calls (to re-estimate its duration at AWS latencies). */
export interface InvocationCalls { ms: number; count: number }

/** Starts counting on every client created from now on; returns the live counters. */
export function countAwsUsage() {
  let usage = emptyUsage();
  const invocation = new AsyncLocalStorage<InvocationCalls>();
  onAwsClientCreated((client: AwsClient, service) => {
    const stack = client.middlewareStack as unknown as {
      add(middleware: (next: (args: any) => Promise<any>, context: any) => (args: any) => Promise<any>, options: { step: string; priority: string; name: string }): void;
    };
    stack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName);
        if (service === 'dynamodb' && CAPACITY_COMMANDS.has(command)) args.input.ReturnConsumedCapacity = 'TOTAL';
        const t0 = performance.now();
        const result = await next(args);
        const calls = invocation.getStore();
        if (calls) {
          calls.ms += performance.now() - t0;
          calls.count += 1;
        }
        if (service === 'dynamodb') countDynamo(usage.dynamodb, command, args.input, result.output);
        else {
          usage.sqs.requests[command] = (usage.sqs.requests[command] ?? 0) + 1;
          const empty = command === 'ReceiveMessageCommand' && !(result.output?.Messages?.length > 0);
          if (empty) usage.sqs.emptyReceives += 1;
          else if (String(args.input?.QueueUrl ?? '').endsWith('.fifo')) usage.sqs.fifoBilled += 1;
        }
        return result;
      },
      { step: 'serialize', priority: 'high', name: 'winkBenchUsageCounter' },
    );
  });
  return {
    get usage() { return usage; },
    reset() { usage = emptyUsage(); },
    withinInvocation<T>(calls: InvocationCalls, run: () => Promise<T>): Promise<T> {
      return invocation.run(calls, run);
    },
  };
}

function countDynamo(dynamo: DynamoUsage, command: string, input: any, output: any): void {
  dynamo.calls[command] = (dynamo.calls[command] ?? 0) + 1;
  if (!CAPACITY_COMMANDS.has(command)) return;
  const computed = computedUnits(command, input, output);
  dynamo.computedReadUnits += computed.read;
  dynamo.computedWriteUnits += computed.write;
  const byCommand = (dynamo.unitsByCommand[command] ??= { reportedRead: 0, reportedWrite: 0, computedRead: 0, computedWrite: 0 });
  byCommand.computedRead += computed.read;
  byCommand.computedWrite += computed.write;
  const reported = [output?.ConsumedCapacity].flat().filter(Boolean) as Array<{ CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }>;
  if (reported.length > 0 && !UNDER_REPORTED.has(command)) {
    dynamo.reportedCalls += 1;
    for (const capacity of reported) {
      const read = capacity.ReadCapacityUnits ?? (isRead(command) ? capacity.CapacityUnits ?? 0 : 0);
      const write = capacity.WriteCapacityUnits ?? (isRead(command) ? 0 : capacity.CapacityUnits ?? 0);
      dynamo.readUnits += read;
      dynamo.writeUnits += write;
      byCommand.reportedRead += read;
      byCommand.reportedWrite += write;
    }
    return;
  }
  dynamo.computedCalls[command] = (dynamo.computedCalls[command] ?? 0) + 1;
  dynamo.readUnits += computed.read;
  dynamo.writeUnits += computed.write;
}

/**
 * DynamoDB Local reports a transaction's units far below what DynamoDB charges (it neither doubles
 * them nor sizes the items: 16 WRU for two 21-item transactions of ~2.5 KB items, where the rules
 * give 104), so transactions are always priced by the rules.
 */
const UNDER_REPORTED = new Set(['TransactWriteItemsCommand', 'TransactGetItemsCommand']);

const isRead = (command: string) => /^(Get|Query|Scan|BatchGet|TransactGet)/.test(command);

/**
 * DynamoDB's published rules (on-demand): a write costs 1 WRU per 1 KB of item (rounded up), a
 * strongly consistent read 1 RRU per 4 KB (eventually consistent: half), a Query sums the item
 * sizes before rounding; transactional reads and writes cost twice. An update is charged on the
 * larger of the item before and after; the input's new attribute values stand in for it here.
 */
function computedUnits(command: string, input: any, output: any): { read: number; write: number } {
  const consistentFactor = (consistent: unknown) => (consistent ? 1 : 0.5);
  switch (command) {
    case 'PutItemCommand':
      return { read: 0, write: kb(itemBytes(input.Item)) };
    case 'UpdateItemCommand':
      return { read: 0, write: kb(itemBytes(input.Key) + itemBytes(input.ExpressionAttributeValues ?? {})) };
    case 'DeleteItemCommand':
      return { read: 0, write: 1 };
    case 'GetItemCommand':
      return { read: Math.max(1, Math.ceil(itemBytes(output?.Item ?? {}) / 4096)) * consistentFactor(input.ConsistentRead), write: 0 };
    case 'QueryCommand':
    case 'ScanCommand': {
      const bytes = (output?.Items ?? []).reduce((sum: number, item: any) => sum + itemBytes(item), 0);
      return { read: Math.max(1, Math.ceil(bytes / 4096)) * consistentFactor(input.ConsistentRead), write: 0 };
    }
    case 'BatchGetItemCommand': {
      const items = Object.values(output?.Responses ?? {}).flat() as any[];
      return { read: items.reduce((sum, item) => sum + Math.max(1, Math.ceil(itemBytes(item) / 4096)), 0), write: 0 };
    }
    case 'BatchWriteItemCommand': {
      const requests = Object.values(input.RequestItems ?? {}).flat() as any[];
      return { read: 0, write: requests.reduce((sum, r) => sum + (r.PutRequest ? kb(itemBytes(r.PutRequest.Item)) : 1), 0) };
    }
    case 'TransactWriteItemsCommand': {
      const units = (input.TransactItems ?? []).reduce((sum: number, item: any) => {
        if (item.Put) return sum + kb(itemBytes(item.Put.Item));
        if (item.Update) return sum + kb(itemBytes(item.Update.Key) + itemBytes(item.Update.ExpressionAttributeValues ?? {}));
        return sum + 1;
      }, 0);
      return { read: 0, write: 2 * units };
    }
    case 'TransactGetItemsCommand': {
      const items = (output?.Responses ?? []).map((r: any) => r.Item ?? {});
      return { read: 2 * items.reduce((sum: number, item: any) => sum + Math.max(1, Math.ceil(itemBytes(item) / 4096)), 0), write: 0 };
    }
    default:
      return { read: 0, write: 0 };
  }
}

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** DynamoDB item size: attribute names plus values, by the type rules of the developer guide. */
export function itemBytes(item: Record<string, any>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** Sizes both wire-form AttributeValues and the plain values the document client is given. */
function valueBytes(value: any): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (value instanceof Uint8Array) return value.length;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + valueBytes(v) + 1, 0);
  const keys = Object.keys(value);
  if (keys.length === 1 && ATTRIBUTE_TYPES.has(keys[0]!)) {
    const [type] = keys;
    const inner = value[type!];
    if (type === 'N') return numberBytes(inner);
    if (type === 'NS') return (inner as string[]).reduce((sum, n) => sum + numberBytes(n), 0);
    if (type === 'M') return 3 + itemBytes(inner) + Object.keys(inner).length;
    if (type === 'L') return 3 + (inner as any[]).reduce((sum, v) => sum + valueBytes(v) + 1, 0);
    return valueBytes(inner);
  }
  return 3 + itemBytes(value) + keys.length;
}

/** Numbers: about one byte per two significant digits, plus one. */
const numberBytes = (n: string) => Math.ceil(n.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
