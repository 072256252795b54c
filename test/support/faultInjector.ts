import { AsyncLocalStorage } from 'node:async_hooks';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { RequestThrottled, SQSServiceException } from '@aws-sdk/client-sqs';
import { onAwsClientCreated, type AwsClient } from '../../shared/awsClientHooks.ts';

/**
 * Fault injection into the real AWS SDK clients the handlers create (through shared/awsClientHooks):
 * a middleware on each DynamoDB and SQS client that, by a script of rules, throws the errors AWS
 * throws — throttling, a transient 500, a cancelled transaction — or lets the call reach the server
 * and then throws anyway (the write happened, the caller thinks it failed: a lost reply, or a crash
 * between two writes). Everything else goes to DynamoDB Local and fauxqs untouched.
 *
 * Two layers:
 * - `caller` (default): outside the SDK's own retries, so the code under test sees the error, as it
 *   would once the SDK had spent its retries;
 * - `wire`: inside them, as if one HTTP exchange failed; the SDK's retry strategy sees it first.
 */
export type FaultKind =
  /** DynamoDB ThrottlingException / SQS RequestThrottled (HTTP 400, throttling). */
  | 'throttling'
  /** DynamoDB ProvisionedThroughputExceededException (HTTP 400, throttling). */
  | 'throughput_exceeded'
  /** A transient HTTP 500 (DynamoDB InternalServerError, SQS InternalError). */
  | 'server_error'
  /** DynamoDB TransactionCanceledException, by default with a TransactionConflict reason per item. */
  | 'transaction_canceled'
  /** The call goes through and succeeds, then the caller gets a 500 anyway. */
  | 'after_success';

export type Service = 'dynamodb' | 'sqs';
/** Which Lambda handler made the call (set by `wrapHandler`); `other` is the pollers and the test itself. */
export type Origin = 'ingest' | 'detector' | 'notifier' | 'other';

export interface AwsCall {
  service: Service;
  /** SDK command name without the `Command` suffix: `TransactWriteItems`, `SendMessage` … */
  command: string;
  /** The command input, before the document client marshals it (plain values). */
  input: any;
  origin: Origin;
}

export interface FaultRule {
  /** Names the rule in `injected` counts. */
  name: string;
  /** Which calls it applies to: see `callSites` for the ones Wink makes. */
  match: (call: AwsCall) => boolean;
  fault: FaultKind;
  /** Matching calls to let through before the first fault. @default 0 */
  skip?: number;
  /** Faults to inject at most. @default Infinity */
  times?: number;
  /** Chance that an eligible call gets the fault, drawn from the injector's seeded generator. @default 1 */
  probability?: number;
  /** @default 'caller' */
  layer?: 'caller' | 'wire';
  /** Reasons of a `transaction_canceled` fault. */
  cancellationReasons?: CancellationReason[];
  /**
   * Runs when the fault fires, before the caller gets the error (for `after_success`: after the
   * call went through). Its own AWS calls are attributed to `other`, so they do not match rules.
   */
  onFault?: (call: AwsCall) => Promise<void> | void;
}

export interface FaultInjector {
  /** Replaces the script. Rules are checked in order; the first whose turn it is fires. */
  script(...rules: FaultRule[]): void;
  /** Adds rules to the script. */
  add(...rules: FaultRule[]): void;
  /** Stops injecting (the calls still get counted). */
  clear(): void;
  /** Faults injected so far, by rule name (kept across `script` calls). */
  readonly injected: Record<string, number>;
  /** Every call the code made, by `origin:service:command`. */
  readonly calls: Record<string, number>;
  /** Every HTTP attempt the SDK made for them (more than `calls` when the SDK retried). */
  readonly attempts: Record<string, number>;
  /** Runs `run` with calls attributed to `origin` (the local stack's `wrapHandler` uses it). */
  within<T>(origin: Origin, run: () => Promise<T>): Promise<T>;
  /** For `startLocalStack({ wrapHandler })`: attributes each handler's calls to it. */
  wrapHandler: <H extends (...args: never[]) => Promise<unknown>>(functionName: string, handler: H) => H;
}

/**
 * Registers the middleware on every client created from now on, so call it before the handlers are
 * imported (before `startLocalStack`). `seed` makes probabilistic rules repeat exactly.
 */
let installed = 0;

export function installFaultInjector(seed = 1): FaultInjector {
  const id = (installed += 1);
  const random = mulberry32(seed);
  const originOf = new AsyncLocalStorage<Origin>();
  let rules: { rule: FaultRule; seen: number; fired: number }[] = [];
  const injected: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const attempts: Record<string, number> = {};

  /** The fault for this call at this layer, if any (advancing the rules' counters). */
  const faultFor = (call: AwsCall, layer: 'caller' | 'wire'): { rule: FaultRule } | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if ((rule.layer ?? 'caller') !== layer || !rule.match(call)) continue;
      entry.seen += 1;
      if (entry.seen <= (rule.skip ?? 0) || entry.fired >= (rule.times ?? Infinity)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      entry.fired += 1;
      injected[rule.name] = (injected[rule.name] ?? 0) + 1;
      return { rule };
    }
    return undefined;
  };

  const middleware = (service: Service, layer: 'caller' | 'wire') =>
    (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
      const call: AwsCall = {
        service,
        command: String(context.commandName ?? '').replace(/Command$/, ''),
        input: layer === 'caller' ? args.input : args.input ?? {},
        origin: originOf.getStore() ?? 'other',
      };
      const key = `${call.origin}:${service}:${call.command}`;
      const counts = layer === 'caller' ? calls : attempts;
      counts[key] = (counts[key] ?? 0) + 1;
      const hit = faultFor(call, layer);
      if (!hit) return next(args);
      const { rule } = hit;
      if (rule.fault === 'after_success') await next(args);
      if (rule.onFault) await originOf.run('other', async () => rule.onFault!(call));
      throw rule.fault === 'after_success'
        ? serverError(service, `Injected by ${rule.name}: the call succeeded, the reply was lost`)
        : faultError(service, rule);
    };

  onAwsClientCreated((client: AwsClient, service) => {
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: { step: string; priority?: string; name: string }): void;
    };
    // initialize: before the document client marshals the input and before the SDK's retries;
    // finalizeRequest at low priority: inside the retry middleware, once per HTTP attempt.
    stack.add(middleware(service, 'caller'), { step: 'initialize', priority: 'high', name: `winkFaultInjectorCaller${id}` });
    stack.add(middleware(service, 'wire'), { step: 'finalizeRequest', priority: 'low', name: `winkFaultInjectorWire${id}` });
  });

  return {
    script(...next: FaultRule[]) {
      rules = next.map((rule) => ({ rule, seen: 0, fired: 0 }));
    },
    add(...more: FaultRule[]) {
      rules.push(...more.map((rule) => ({ rule, seen: 0, fired: 0 })));
    },
    clear() {
      rules = [];
    },
    injected,
    calls,
    attempts,
    within: (origin, run) => originOf.run(origin, run),
    wrapHandler: (functionName, handler) => {
      const origin: Origin = functionName === 'ingest' || functionName === 'detector' || functionName === 'notifier' ? functionName : 'other';
      return ((...args: never[]) => originOf.run(origin, () => handler(...args))) as typeof handler;
    },
  };
}

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'injected-fault', attempts: 1, totalRetryDelay: 0 });

function faultError(service: Service, rule: FaultRule): Error {
  const message = `Injected by ${rule.name}`;
  switch (rule.fault) {
    case 'throttling':
      return service === 'dynamodb'
        ? new ThrottlingException({ message, $metadata: metadata(400) })
        : new RequestThrottled({ message, $metadata: metadata(400) });
    case 'throughput_exceeded':
      if (service !== 'dynamodb') throw new Error(`${rule.name}: ProvisionedThroughputExceededException is DynamoDB's`);
      return new ProvisionedThroughputExceededException({ message, $metadata: metadata(400) });
    case 'transaction_canceled':
      if (service !== 'dynamodb') throw new Error(`${rule.name}: TransactionCanceledException is DynamoDB's`);
      return new TransactionCanceledException({
        message,
        $metadata: metadata(400),
        CancellationReasons: rule.cancellationReasons ?? [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
      });
    case 'server_error':
    case 'after_success':
      return serverError(service, message);
  }
}

function serverError(service: Service, message: string): Error {
  if (service === 'dynamodb') return new InternalServerError({ message, $metadata: metadata(500) });
  const error = new SQSServiceException({ name: 'InternalError', $fault: 'server', message, $metadata: metadata(500) });
  return error;
}

/** A small seeded generator (mulberry32): the same seed gives the same faults on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The plain value of a key attribute, whether the input is marshalled yet or not. */
const plain = (value: any): unknown => (value && typeof value === 'object' && 'S' in value ? value.S : value);
const transactItems = (call: AwsCall): any[] => call.input?.TransactItems ?? [];

/** Wink's DynamoDB and SQS call sites, as predicates for `FaultRule.match`. */
export const callSites = {
  /** ingest: the transaction storing new steps with the step count. */
  putNewSteps: (call: AwsCall) =>
    call.command === 'TransactWriteItems' && transactItems(call).some((item) => /ADD stepCount/.test(item.Update?.UpdateExpression ?? '')),
  /** ingest: the read of already stored steps among the posted indexes. */
  getSteps: (call: AwsCall) => call.command === 'BatchGetItem',
  /** ingest: the session's expiry moved forward after steps were stored. */
  refreshSessionExpiry: (call: AwsCall) =>
    call.command === 'UpdateItem' && plain(call.input?.Key?.sk) === 'SESSION' && !/detection/.test(call.input?.UpdateExpression ?? ''),
  /** Any handler's consistent read of the session item (`origin` tells whose). */
  getSession: (call: AwsCall) => call.command === 'GetItem' && plain(call.input?.Key?.sk) === 'SESSION',
  /** detector: the one transaction committing state, verdicts, episodes and interventions. */
  commitDetection: (call: AwsCall) =>
    call.command === 'TransactWriteItems' && transactItems(call).some((item) => item.Update?.ConditionExpression === 'version = :expected'),
  /** detector: the stored steps from the state's next index. */
  stepsFrom: (call: AwsCall) => call.command === 'Query' && String(plain(call.input?.ExpressionAttributeValues?.[':from']) ?? '').startsWith('STEP#'),
  /** detector: the stranded-intervention sweep's read. */
  listInterventions: (call: AwsCall) => call.command === 'Query' && String(plain(call.input?.ExpressionAttributeValues?.[':prefix']) ?? '').startsWith('INTERVENTION#'),
  /** notifier: the delivery outcome recorded after a POST. */
  recordDelivery: (call: AwsCall) => call.command === 'UpdateItem' && call.input?.UpdateExpression === 'SET delivery = :delivery',
  /** notifier: the intervention read. */
  getIntervention: (call: AwsCall) => call.command === 'GetItem' && String(plain(call.input?.Key?.sk)).startsWith('INTERVENTION#'),
  /** SQS sends, by queue. */
  sendToStepsQueue: (call: AwsCall) => call.command === 'SendMessage' && /steps\.fifo$/.test(call.input?.QueueUrl ?? ''),
  sendToStepTimerQueue: (call: AwsCall) => call.command === 'SendMessage' && /step-timer$/.test(call.input?.QueueUrl ?? ''),
  sendToNotificationsQueue: (call: AwsCall) => call.command === 'SendMessage' && /notifications$/.test(call.input?.QueueUrl ?? ''),
  /** The event source's delete after a handler reported success (the local poller's). */
  deleteSteps: (call: AwsCall) => call.command === 'DeleteMessageBatch' && /steps\.fifo$/.test(call.input?.QueueUrl ?? ''),
};

/** With WINK_FAULTS_REPORT=1, prints what a test file injected (figures for the closing note). */
export function reportFaults(file: string, faults: FaultInjector): void {
  if (!process.env.WINK_FAULTS_REPORT) return;
  const total = Object.values(faults.injected).reduce((a, b) => a + b, 0);
  console.info(`[faults] ${file}: ${total} injected`, JSON.stringify(faults.injected));
}

/** Narrows a call site to one handler's calls. */
export const from = (origin: Origin, site: (call: AwsCall) => boolean) => (call: AwsCall) => call.origin === origin && site(call);

/** Narrows a call site to the calls about one session (its id appears in the key, values or message). */
export const about = (sessionId: string, site: (call: AwsCall) => boolean) => (call: AwsCall) =>
  site(call) && JSON.stringify(call.input ?? {}).includes(sessionId);
