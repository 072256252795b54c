import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { SecretPatternsSchema } from '../shared/secrets/customPatterns.ts';

/**
 * Deployment settings read from CDK context (cdk.json or `cdk deploy -c wink:key=value`).
 * Values given on the command line arrive as strings, so every number and boolean is coerced.
 * Defaults live here (and are repeated in cdk.json so they are visible); docs/deploy.md explains each.
 */
export const CONTEXT_PREFIX = 'wink:';

/** CloudWatch Logs accepts only these retention periods (9999 = never expire). */
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number' && value > 0);

const flag = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const fraction = z.coerce.number().gt(0).max(1);
const optionalText = z.preprocess((value) => (value === '' || value === null ? undefined : value), z.string().optional());
const jsonObject = z.preprocess(
  (value) => (value === '' || value === null ? undefined : typeof value === 'string' ? parseJsonOrKeep(value) : value),
  z.record(z.string(), z.unknown(), { error: 'expected a JSON object' }).optional(),
);
const secondsList = z.preprocess(
  (value) => (typeof value === 'string' ? (value.trim() === '' ? undefined : value.split(',').map((part) => Number(part.trim()))) : value ?? undefined),
  z.array(z.number().int().min(0).max(43_200)).min(1).optional(),
);

const contextSchema = z.object({
  /** Names the stack `Wink-<stage>`, so several deployments can share one account. */
  stage: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'stage: letters, digits and dashes, starting with a letter').default('prod'),
  /** `retain` keeps the table, the log groups and the alarm key when the stack is deleted; `destroy` removes them. */
  removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  deletionProtection: flag.default(true),
  /** A session's items expire this many days after they are written (DynamoDB TTL). */
  retentionDays: positiveInt.default(30),
  logRetentionDays: positiveInt
    .refine((days) => LOG_RETENTION_DAYS.includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs periods)` })
    .default(30),
  apiThrottleRateLimit: z.coerce.number().positive().default(50),
  apiThrottleBurstLimit: positiveInt.default(100),
  /** Requests per API key per minute (DynamoDB fixed-window counter; 0 = off). */
  rateLimitRequestsPerMinute: nonNegativeInt.default(6000),
  /** New sessions per tenant per minute (0 = off). */
  rateLimitSessionsPerMinute: nonNegativeInt.default(600),
  /** At most 10: the steps queue is FIFO (which also rules out a batching window). */
  detectorBatchSize: positiveInt.max(10).default(10),
  detectorMaxConcurrency: positiveInt.default(10),
  /** Leaves room for LLM judge calls; the steps queue's visibility timeout is six times this. */
  detectorTimeoutSeconds: positiveInt.max(900).default(60),
  notifierBatchSize: positiveInt.default(10),
  notifierMaxBatchingWindowSeconds: nonNegativeInt.default(0),
  notifierMaxConcurrency: positiveInt.default(5),
  stepGapWaitSeconds: nonNegativeInt.default(30),
  detectionConfig: jsonObject,
  webhookRetryDelaysSeconds: secondsList,
  webhookTimeoutMs: z.preprocess((value) => (value === '' || value === null ? undefined : value), positiveInt.optional()),
  /** The LLM judge is enabled only when a secret name is given. */
  llmSecretName: optionalText,
  llmModel: z.string().min(1).default('gpt-4o-mini'),
  llmBaseUrl: z.url().default('https://api.openai.com/v1'),
  /** Interventions per ingested step over 5 minutes above which the misbehavior alarm fires. */
  misbehaviorRateThreshold: fraction.default(0.05),
  /** Windows with fewer ingested steps than this never raise the misbehavior alarm (noise floor). */
  misbehaviorRateMinSteps: positiveInt.default(20),
  deliveryFailureRateThreshold: fraction.default(0.1),
  stepsQueueMaxAgeSeconds: positiveInt.default(600),
  /** Above the webhook retry schedule (about 35 minutes by default), or retries alone would alarm. */
  notificationsQueueMaxAgeSeconds: positiveInt.default(3600),
  /** `shadow`: every session that names no mode is watched without nudges (README "Experiments"). */
  defaultMode: z.enum(['active', 'shadow']).default('active'),
  /** `{ "name", "treatmentShare" }`: sessions that name no mode or experiment join this one. */
  defaultExperiment: jsonObject,
  /** Never-ended sessions count as outcome `unknown` in experiment reports after this long without a step. */
  sessionIdleHours: positiveInt.default(24),
  /** Operators' own secret shapes, checked here with the rules the ingest function applies at cold start (README "Secrets"). */
  secretPatterns: z.preprocess(
    (value) => (value === '' || value === null ? undefined : typeof value === 'string' ? parseJsonOrKeep(value) : value),
    SecretPatternsSchema.optional(),
  ),
  alarmEmail: z.preprocess((value) => (value === '' || value === null ? undefined : value), z.email().optional()),
})
  // A gap's wake-up waits stepGapWaitSeconds in the step timer queue on purpose; that alone must not raise its age alarm.
  .refine((config) => config.stepsQueueMaxAgeSeconds > config.stepGapWaitSeconds, {
    path: ['stepsQueueMaxAgeSeconds'],
    error: 'must be above wink:stepGapWaitSeconds, or every gap wait raises the steps queue age alarm',
  });

function parseJsonOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // left as a string so the schema reports it
  }
}

export type WinkConfig = z.infer<typeof contextSchema>;
export type ContextKey = keyof WinkConfig;
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as ContextKey[];

/** Reads every `wink:*` context value through `getContext`; throws one readable error listing every bad value. */
export function readWinkConfig(getContext: (key: string) => unknown): WinkConfig {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, getContext(`${CONTEXT_PREFIX}${key}`) ?? undefined]));
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${CONTEXT_PREFIX}${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
