import * as z from 'zod';
import { ENV, positiveInt, required, type Env } from './config.ts';
import { ExperimentRequestSchema, SessionModeSchema, type ExperimentRequest, type SessionMode } from './experiments/session.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './limits/rateLimits.ts';
import { parseSecretPatterns } from './secrets/customPatterns.ts';
import type { SecretRule } from './secrets/rules.ts';

// The ingest function's configuration, apart from shared/config.ts: operators' secret patterns are
// checked with safe-regex2 (and its parser), which the detector and notifier bundles need not carry.

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
