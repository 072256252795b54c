import * as z from 'zod';
import { DEFAULT_RETRY_DELAYS_SECONDS } from './webhook/retryPolicy.ts';

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

export type Env = Record<string, string | undefined>;

export const required = (name: string) => z.string({ error: `${name} must be set` }).min(1, `${name} must be set`);
export const positiveInt = z.coerce.number().int().positive();


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
