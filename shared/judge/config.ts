import * as z from 'zod';

/**
 * Environment variables of the optional LLM judge. The judge is off unless both a base URL and a
 * model are set: the deterministic detectors are the default and cost nothing.
 */
export const JUDGE_ENV = {
  baseUrl: 'WINK_LLM_BASE_URL',
  model: 'WINK_LLM_MODEL',
  apiKey: 'WINK_LLM_API_KEY',
  apiKeySecretArn: 'WINK_LLM_API_KEY_SECRET_ARN',
  sessionTokenBudget: 'WINK_LLM_SESSION_TOKEN_BUDGET',
  maxCallsPerSession: 'WINK_LLM_MAX_CALLS_PER_SESSION',
  timeoutMs: 'WINK_LLM_TIMEOUT_MS',
  reviewEverySteps: 'WINK_LLM_REVIEW_EVERY_STEPS',
  minStepsBetweenReviews: 'WINK_LLM_MIN_STEPS_BETWEEN_REVIEWS',
  windowSteps: 'WINK_LLM_WINDOW_STEPS',
  maxStepChars: 'WINK_LLM_MAX_STEP_CHARS',
  maxPromptTokens: 'WINK_LLM_MAX_PROMPT_TOKENS',
  maxOutputTokens: 'WINK_LLM_MAX_OUTPUT_TOKENS',
  minConfidence: 'WINK_LLM_MIN_CONFIDENCE',
} as const;

export interface JudgeConfig {
  baseUrl: string;
  model: string;
  /** A key given directly (local runs). Servers such as Ollama or vLLM may need none. */
  apiKey?: string | undefined;
  /** In AWS the key lives in Secrets Manager; see loadJudgeApiKey. */
  apiKeySecretArn?: string | undefined;
  /** Tokens (prompt + completion) one session may spend on the judge. */
  sessionTokenBudget: number;
  /** Reviews one session may make, whatever their size. */
  maxCallsPerSession: number;
  /** Deadline of one review, retries and JSON-mode fallback included. */
  timeoutMs: number;
  /** Review at least every N steps even without an edit or a completion claim. */
  reviewEverySteps: number;
  /** Edits and claims trigger a review no more often than this (flagged matches ignore it). */
  minStepsBetweenReviews: number;
  /** Most recent steps sent per review. */
  windowSteps: number;
  /** A step's content (and tool input) is cut to this many characters, head and tail kept. */
  maxStepChars: number;
  /** Upper bound on one request's prompt; the oldest steps of the window are dropped to fit. */
  maxPromptTokens: number;
  /** Upper bound on one answer (sent as max_completion_tokens). */
  maxOutputTokens: number;
  /** Findings below this confidence are dropped; rejections below it leave the rule's verdict alone. */
  minConfidence: number;
}

export const JUDGE_DEFAULTS = {
  sessionTokenBudget: 20_000,
  maxCallsPerSession: 10,
  timeoutMs: 15_000,
  reviewEverySteps: 25,
  minStepsBetweenReviews: 5,
  windowSteps: 20,
  maxStepChars: 1_200,
  maxPromptTokens: 4_000,
  maxOutputTokens: 800,
  minConfidence: 0.7,
} as const;

/** Sent when no key is configured: local OpenAI-compatible servers ignore it, the SDK needs one. */
export const NO_API_KEY = 'not-needed';

type Env = Record<string, string | undefined>;

const positiveInt = z.coerce.number().int().positive();
const optionalText = z
  .string()
  .optional()
  .transform((value) => value?.trim() || undefined);

/** The judge's settings, or null when it is not configured. Invalid numbers fail loudly at cold start. */
export function readJudgeConfig(env: Env = process.env): JudgeConfig | null {
  const baseUrl = env[JUDGE_ENV.baseUrl]?.trim();
  const model = env[JUDGE_ENV.model]?.trim();
  if (!baseUrl || !model) return null;
  const value = (name: keyof typeof JUDGE_ENV) => env[JUDGE_ENV[name]]?.trim() || undefined;
  return z
    .object({
      baseUrl: z.url({ protocol: /^https?$/, error: `${JUDGE_ENV.baseUrl} must be an http(s) URL` }),
      model: z.string().min(1),
      apiKey: optionalText,
      apiKeySecretArn: optionalText,
      sessionTokenBudget: positiveInt.default(JUDGE_DEFAULTS.sessionTokenBudget),
      maxCallsPerSession: positiveInt.default(JUDGE_DEFAULTS.maxCallsPerSession),
      timeoutMs: positiveInt.default(JUDGE_DEFAULTS.timeoutMs),
      reviewEverySteps: positiveInt.default(JUDGE_DEFAULTS.reviewEverySteps),
      minStepsBetweenReviews: z.coerce.number().int().min(0).default(JUDGE_DEFAULTS.minStepsBetweenReviews),
      windowSteps: positiveInt.default(JUDGE_DEFAULTS.windowSteps),
      maxStepChars: z.coerce.number().int().min(200).default(JUDGE_DEFAULTS.maxStepChars),
      maxPromptTokens: z.coerce.number().int().min(1_000).default(JUDGE_DEFAULTS.maxPromptTokens),
      maxOutputTokens: positiveInt.default(JUDGE_DEFAULTS.maxOutputTokens),
      minConfidence: z.coerce.number().min(0).max(1).default(JUDGE_DEFAULTS.minConfidence),
    })
    .parse({
      baseUrl,
      model,
      apiKey: value('apiKey'),
      apiKeySecretArn: value('apiKeySecretArn'),
      sessionTokenBudget: value('sessionTokenBudget'),
      maxCallsPerSession: value('maxCallsPerSession'),
      timeoutMs: value('timeoutMs'),
      reviewEverySteps: value('reviewEverySteps'),
      minStepsBetweenReviews: value('minStepsBetweenReviews'),
      windowSteps: value('windowSteps'),
      maxStepChars: value('maxStepChars'),
      maxPromptTokens: value('maxPromptTokens'),
      maxOutputTokens: value('maxOutputTokens'),
      minConfidence: value('minConfidence'),
    });
}
