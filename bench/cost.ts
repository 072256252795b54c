import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CostRunOptions, CostRunResult } from './costRun.ts';
import { DEFAULT_LLM_PRICE, NOT_PRICED, PRICES, PRICES_AS_OF, PRICE_REGION } from './prices.ts';

/**
 * Dollars per 1,000,000 steps, from usage counted in a local pipeline run (bench/costRun.ts, in a
 * fresh process) and the list prices of bench/prices.ts. Two workloads: steps posted one per
 * request, and 20 per request. The judge runs (against a local stub) so its calls are counted;
 * its tokens are a line of their own and the totals are given with and without it.
 */

/** Configured memory of each function (infra/constructs: ingestApi.ts, stepPipeline.ts, notifier.ts defaults). */
const MEMORY_MB: Record<string, number> = { ingest: 512, detector: 1024, notifier: 256 };
/** A DynamoDB or SQS call inside AWS, for the duration re-estimate (single-digit ms for DynamoDB). */
const AWS_CALL_MS = 8;
/** Token estimate for the judge's prompts: about four characters per token for English and JSON. */
const CHARS_PER_TOKEN = 4;
/** The stub's answers are empty; a real verdict with findings is about this long (the cap is 800). */
const ASSUMED_OUTPUT_TOKENS_PER_CALL = 150;

export interface LlmPrice { inputPerMillionTokens: number; outputPerMillionTokens: number; model: string }

export async function runCostBench(options: { quick?: boolean; llmPrice?: LlmPrice } = {}) {
  const llmPrice = options.llmPrice ?? DEFAULT_LLM_PRICE;
  const workloads: CostRunOptions[] = options.quick
    ? [{ sessions: 1, stepsPerSession: 20, stepsPerRequest: 1 }, { sessions: 1, stepsPerSession: 40, stepsPerRequest: 20 }]
    : [{ sessions: 3, stepsPerSession: 100, stepsPerRequest: 1 }, { sessions: 3, stepsPerSession: 300, stepsPerRequest: 20 }];
  const script = fileURLToPath(new URL('./costRun.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--child', JSON.stringify(workloads)], {
    timeout: 150_000,
    maxBuffer: 16 * 2 ** 20,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const runs = JSON.parse(stdout.trim().split('\n').at(-1)!) as CostRunResult[];
  const [single, batched] = runs.map((run) => priceRun(run, llmPrice));
  return {
    unit: 'USD per 1,000,000 steps',
    prices: { asOf: PRICES_AS_OF, region: PRICE_REGION, source: 'bench/prices.ts', llm: llmPrice },
    dynamoDbUnits: 'from ReturnConsumedCapacity on every call (DynamoDB Local), except transactions: computed from DynamoDB item-size rules (DynamoDB Local under-reports them)',
    lambdaDuration: 'perMillionSteps uses the measured local durations (DynamoDB Local on a loaded 2-core machine: slow); perMillionStepsAtAwsLatency replaces time spent in AWS calls by 8 ms per call',
    notPriced: NOT_PRICED,
    singleStepRequests: single,
    batchedBy20: batched,
  };
}

function priceRun(run: CostRunResult, llm: LlmPrice) {
  const perStep = (dollars: number) => round((dollars / run.steps) * 1e6);
  const { dynamodb, sqs } = run.usage;
  const sqsBilled = Object.values(sqs.requests).reduce((a, b) => a + b, 0) - sqs.emptyReceives;
  const invocations = Object.values(run.invocations).reduce((sum, i) => sum + i.count, 0);
  const gbSeconds = (estimate: boolean) => Object.entries(run.invocations).reduce((sum, [name, i]) => {
    const ms = estimate ? Math.max(i.count, i.billedMs - i.awsCallMs + i.awsCalls * AWS_CALL_MS) : i.billedMs;
    return sum + (ms / 1000) * ((MEMORY_MB[name] ?? 1024) / 1024);
  }, 0);
  const promptTokens = run.judge.promptChars / CHARS_PER_TOKEN;
  const outputTokens = run.judge.calls * ASSUMED_OUTPUT_TOKENS_PER_CALL;
  const llmDollars = (promptTokens * llm.inputPerMillionTokens + outputTokens * llm.outputPerMillionTokens) / 1e6;
  const infra = {
    dynamoDbWrites: perStep(dynamodb.writeUnits * PRICES.dynamoDbWriteRequestUnit),
    dynamoDbReads: perStep(dynamodb.readUnits * PRICES.dynamoDbReadRequestUnit),
    sqs: perStep((sqsBilled - sqs.fifoBilled) * PRICES.sqsRequest + sqs.fifoBilled * PRICES.sqsFifoRequest),
    lambdaRequests: perStep(invocations * PRICES.lambdaRequest),
    httpApi: perStep(run.httpRequests * PRICES.httpApiRequest),
  };
  const infraTotal = Object.values(infra).reduce((a, b) => a + b, 0);
  const lambdaMeasured = perStep(gbSeconds(false) * PRICES.lambdaArmGbSecond);
  const lambdaAtAwsLatency = perStep(gbSeconds(true) * PRICES.lambdaArmGbSecond);
  const llmJudge = perStep(llmDollars);
  // "An LLM classifier on every step": the judge's own average prompt, once per step.
  const promptPerCall = run.judge.calls > 0 ? promptTokens / run.judge.calls : NaN;
  const llmEveryStep = round(promptPerCall * llm.inputPerMillionTokens + ASSUMED_OUTPUT_TOKENS_PER_CALL * llm.outputPerMillionTokens);
  const totalAtAwsLatency = round(infraTotal + lambdaAtAwsLatency);
  return {
    counted: {
      sessions: run.sessions, steps: run.steps, stepsPerRequest: run.stepsPerRequest, httpRequests: run.httpRequests,
      dynamoDb: {
        writeUnits: dynamodb.writeUnits, readUnits: dynamodb.readUnits, calls: dynamodb.calls,
        computedCalls: dynamodb.computedCalls, unitsByCommand: dynamodb.unitsByCommand,
      },
      sqsRequests: sqs.requests, sqsFifoRequests: sqs.fifoBilled, sqsEmptyReceivesNotPriced: sqs.emptyReceives,
      lambda: Object.fromEntries(Object.entries(run.invocations).map(([name, i]) => [name, {
        invocations: i.count, memoryMb: MEMORY_MB[name], medianMs: round(median(i.durationsMs)), billedMs: i.billedMs,
        msInAwsCalls: Math.round(i.awsCallMs), awsCalls: i.awsCalls,
      }])),
      judge: { calls: run.judge.calls, promptTokensEstimated: Math.round(promptTokens), outputTokensAssumed: outputTokens, promptTokensPerCall: Math.round(promptPerCall) },
      stateBytes: run.stateBytes,
      storedStateBytes: run.storedStateBytes,
    },
    lineItems: { ...infra, lambdaCompute: lambdaMeasured, lambdaComputeAtAwsLatency: lambdaAtAwsLatency, llmJudge },
    perMillionSteps: round(infraTotal + lambdaMeasured),
    perMillionStepsAtAwsLatency: totalAtAwsLatency,
    perMillionStepsWithJudge: round(infraTotal + lambdaAtAwsLatency + llmJudge),
    llmClassifierEveryStep: llmEveryStep,
    llmClassifierRatio: round(llmEveryStep / totalAtAwsLatency),
    teamMonthly: teamMonthly(totalAtAwsLatency),
  };
}

/** Teams the README prices: agents × steps each a day. */
export const TEAMS = [{ agents: 10, stepsPerDay: 2_000 }, { agents: 100, stepsPerDay: 5_000 }, { agents: 1_000, stepsPerDay: 10_000 }] as const;

/** What a team pays in a 30-day month at this workload's per-step price (judge off, AWS latencies). */
export function teamMonthly(perMillionSteps: number) {
  return TEAMS.map(({ agents, stepsPerDay }) => {
    const stepsPerMonth = agents * stepsPerDay * 30;
    return { agents, stepsPerDay, stepsPerMonth, dollars: round((stepsPerMonth / 1e6) * perMillionSteps) };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
const round = (value: number) => Math.round(value * 1000) / 1000;
