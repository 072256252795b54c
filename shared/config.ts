import * as z from 'zod';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './limits/rateLimits.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS } from './webhook/retryPolicy.ts';
import { parseSecretPatterns } from './secrets/customPatterns.ts';
import type { SecretRule } from './secrets/rules.ts';
import { ExperimentRequestSchema, SessionModeSchema, type ExperimentRequest, type SessionMode } from './experiments/session.ts';

/**
 * Every environment variable Wink reads, in one place. Handlers call the reader they need once
 * at module load, so a missing variable fails the cold start rather than the first request.
 * The CDK constructs set exactly these names (see infra/).
 */
export const ENV = {
  tableName: 'WINK_TABLE_NAME',
  stepsQueueUrl: 'WINK_STEPS_QUEUE_URL',
  stepTimerQueueUrl: 'WINK_STEP_TIMER_QUEUE_URL',
  notificationsQueueUrl: 'WINK_NOTIFICATIONS_QUEUE_URL',
  notificationsDlqUrl: 'WINK_NOTIFICATIONS_DLQ_URL',
  stepGapWaitSeconds: 'WINK_STEP_GAP_WAIT_SECONDS',
  retentionDays: 'WINK_RETENTION_DAYS',
  allowPrivateWebhooks: 'WINK_ALLOW_PRIVATE_WEBHOOKS',
  defaultMode: 'WINK_DEFAULT_MODE',
  defaultExperiment: 'WINK_DEFAULT_EXPERIMENT',
  sessionIdleHours: 'WINK_SESSION_IDLE_HOURS',
  rateLimitRequestsPerMinute: 'WINK_RATE_LIMIT_REQUESTS_PER_MINUTE',
  rateLimitSessionsPerMinute: 'WINK_RATE_LIMIT_SESSIONS_PER_MINUTE',
  detectionConfig: 'WINK_DETECTION_CONFIG',
  webhookRetryDelaysSeconds: 'WINK_WEBHOOK_RETRY_DELAYS_SECONDS',
  webhookTimeoutMs: 'WINK_WEBHOOK_TIMEOUT_MS',
  llmBaseUrl: 'WINK_LLM_BASE_URL',
  llmModel: 'WINK_LLM_MODEL',
  llmApiKey: 'WINK_LLM_API_KEY',
  llmApiKeySecretArn: 'WINK_LLM_API_KEY_SECRET_ARN',
  secretPatterns: 'WINK_SECRET_PATTERNS',
} as const;

type Env = Record<string, string | undefined>;

const required = (name: string) => z.string({ error: `${name} must be set` }).min(1, `${name} must be set`);
const positiveInt = z.coerce.number().int().positive();

export interface ApiConfig {
  tableName: string;
  stepsQueueUrl: string;
  retentionDays: number;
  /** Accept webhook URLs on loopback/private addresses (local runs only). */
  allowPrivateWebhooks: boolean;
  /** Mode of sessions whose creation names none (`shadow` to try Wink on live traffic). @default 'active' */
  defaultMode: SessionMode;
  /** Experiment for sessions whose creation names none, as JSON `{ "name", "treatmentShare" }`. */
  defaultExperiment?: ExperimentRequest | undefined;
  /** A session never ended counts as outcome `unknown` in experiment reports after this long without a step. @default 24 */
  sessionIdleHours: number;
  /** Per-key requests and per-tenant session creations per minute (0 = off). @default DEFAULT_RATE_LIMITS */
  rateLimits: RateLimits;
  /** Operators' own secret shapes (WINK_SECRET_PATTERNS), scrubbed from steps besides the built-in ones. */
  secretRules: SecretRule[];
}

const experimentJson = z
  .string()
  .optional()
  .transform((value, context) => {
    if (!value) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: `${ENV.defaultExperiment} must be JSON like {"name":"nudges-v1","treatmentShare":0.5}` });
      return z.NEVER;
    }
  })
  .pipe(ExperimentRequestSchema.optional());

export function readApiConfig(env: Env = process.env): ApiConfig {
  // A bad or unsafe pattern fails the cold start (SecretPatternsError names it), never a request.
  const secretRules = parseSecretPatterns(env[ENV.secretPatterns], ENV.secretPatterns);
  const parsed = z
    .object({
      tableName: required(ENV.tableName),
      stepsQueueUrl: required(ENV.stepsQueueUrl),
      retentionDays: positiveInt.default(30),
      allowPrivateWebhooks: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
      defaultMode: SessionModeSchema.default('active'),
      defaultExperiment: experimentJson,
      sessionIdleHours: z.coerce.number().positive().default(24),
      rateLimits: z.object({
        requestsPerKey: z.coerce.number().int().min(0).default(DEFAULT_RATE_LIMITS.requestsPerKey),
        sessionsPerTenant: z.coerce.number().int().min(0).default(DEFAULT_RATE_LIMITS.sessionsPerTenant),
      }),
    })
    .parse({
      tableName: env[ENV.tableName],
      stepsQueueUrl: env[ENV.stepsQueueUrl],
      retentionDays: env[ENV.retentionDays] || undefined,
      allowPrivateWebhooks: env[ENV.allowPrivateWebhooks] || undefined,
      defaultMode: env[ENV.defaultMode] || undefined,
      defaultExperiment: env[ENV.defaultExperiment] || undefined,
      sessionIdleHours: env[ENV.sessionIdleHours] || undefined,
      rateLimits: {
        requestsPerKey: env[ENV.rateLimitRequestsPerMinute] || undefined,
        sessionsPerTenant: env[ENV.rateLimitSessionsPerMinute] || undefined,
      },
    });
  return { ...parsed, secretRules };
}

export interface DetectorConfig {
  tableName: string;
  notificationsQueueUrl: string;
  stepsQueueUrl: string;
  /** Where a run that waits for a missing step schedules its wake-up (a standard queue with delays). */
  stepTimerQueueUrl: string;
  /** How long a gap in step indexes holds back the steps after it before detection skips it. */
  stepGapWaitSeconds: number;
  retentionDays: number;
  detectionConfigJson?: string | undefined;
}

export function readDetectorConfig(env: Env = process.env): DetectorConfig {
  return z
    .object({
      tableName: required(ENV.tableName),
      notificationsQueueUrl: required(ENV.notificationsQueueUrl),
      stepsQueueUrl: required(ENV.stepsQueueUrl),
      stepTimerQueueUrl: required(ENV.stepTimerQueueUrl),
      stepGapWaitSeconds: z.coerce.number().min(0).default(30),
      retentionDays: positiveInt.default(30),
      detectionConfigJson: z.string().optional(),
    })
    .parse({
      tableName: env[ENV.tableName],
      notificationsQueueUrl: env[ENV.notificationsQueueUrl],
      stepsQueueUrl: env[ENV.stepsQueueUrl],
      stepTimerQueueUrl: env[ENV.stepTimerQueueUrl],
      stepGapWaitSeconds: env[ENV.stepGapWaitSeconds] || undefined,
      retentionDays: env[ENV.retentionDays] || undefined,
      detectionConfigJson: env[ENV.detectionConfig] || undefined,
    });
}

export interface NotifierConfig {
  tableName: string;
  notificationsQueueUrl: string;
  /** Where a notification goes after its last failed webhook attempt. */
  notificationsDlqUrl: string;
  /** Deliver to loopback/private addresses (local runs only). */
  allowPrivateWebhooks: boolean;
  /** Delay before each retry; its length + 1 is the number of attempts. */
  retryDelaysSeconds: number[];
  timeoutMs: number;
}

export function readNotifierConfig(env: Env = process.env): NotifierConfig {
  const parsed = z
    .object({
      tableName: required(ENV.tableName),
      notificationsQueueUrl: required(ENV.notificationsQueueUrl),
      notificationsDlqUrl: required(ENV.notificationsDlqUrl),
      allowPrivateWebhooks: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
      retryDelaysSeconds: z
        .string()
        .optional()
        .transform((value) => (value ? value.split(',').map((part) => Number(part.trim())) : undefined))
        .pipe(z.array(z.number().min(0).max(43_200)).min(1).optional()),
      timeoutMs: positiveInt.default(10_000),
    })
    .parse({
      tableName: env[ENV.tableName],
      notificationsQueueUrl: env[ENV.notificationsQueueUrl],
      notificationsDlqUrl: env[ENV.notificationsDlqUrl],
      allowPrivateWebhooks: env[ENV.allowPrivateWebhooks] || undefined,
      retryDelaysSeconds: env[ENV.webhookRetryDelaysSeconds],
      timeoutMs: env[ENV.webhookTimeoutMs] || undefined,
    });
  return { ...parsed, retryDelaysSeconds: parsed.retryDelaysSeconds ?? [...DEFAULT_RETRY_DELAYS_SECONDS] };
}
