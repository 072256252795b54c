import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it, vi } from 'vitest';
import { clearJudgeApiKeyCache, keyFromSecretString, loadJudgeApiKey } from '../../shared/judge/apiKeySecret.ts';
import { JUDGE_DEFAULTS, NO_API_KEY, readJudgeConfig } from '../../shared/judge/config.ts';

describe('readJudgeConfig', () => {
  it('is null when the base URL or the model is unset: the judge is optional', () => {
    expect(readJudgeConfig({})).toBeNull();
    expect(readJudgeConfig({ WINK_LLM_BASE_URL: 'http://127.0.0.1:1/v1' })).toBeNull();
    expect(readJudgeConfig({ WINK_LLM_MODEL: 'm', WINK_LLM_BASE_URL: '  ' })).toBeNull();
  });

  it('applies the defaults', () => {
    const config = readJudgeConfig({ WINK_LLM_BASE_URL: 'http://127.0.0.1:1/v1', WINK_LLM_MODEL: 'm' });
    expect(config).toMatchObject({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', ...JUDGE_DEFAULTS });
    expect(config?.apiKey).toBeUndefined();
  });

  it('reads every override', () => {
    const config = readJudgeConfig({
      WINK_LLM_BASE_URL: 'https://llm.example/v1',
      WINK_LLM_MODEL: 'gpt-x',
      WINK_LLM_API_KEY: 'k',
      WINK_LLM_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:k',
      WINK_LLM_SESSION_TOKEN_BUDGET: '5000',
      WINK_LLM_MAX_CALLS_PER_SESSION: '3',
      WINK_LLM_TIMEOUT_MS: '2500',
      WINK_LLM_REVIEW_EVERY_STEPS: '10',
      WINK_LLM_MIN_STEPS_BETWEEN_REVIEWS: '0',
      WINK_LLM_WINDOW_STEPS: '8',
      WINK_LLM_MAX_STEP_CHARS: '400',
      WINK_LLM_MAX_PROMPT_TOKENS: '2000',
      WINK_LLM_MAX_OUTPUT_TOKENS: '300',
      WINK_LLM_MIN_CONFIDENCE: '0.5',
    });
    expect(config).toEqual({
      baseUrl: 'https://llm.example/v1',
      model: 'gpt-x',
      apiKey: 'k',
      apiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:k',
      sessionTokenBudget: 5000,
      maxCallsPerSession: 3,
      timeoutMs: 2500,
      reviewEverySteps: 10,
      minStepsBetweenReviews: 0,
      windowSteps: 8,
      maxStepChars: 400,
      maxPromptTokens: 2000,
      maxOutputTokens: 300,
      minConfidence: 0.5,
    });
  });

  it('fails loudly on a bad value instead of silently running without limits', () => {
    const base = { WINK_LLM_BASE_URL: 'http://127.0.0.1:1/v1', WINK_LLM_MODEL: 'm' };
    expect(() => readJudgeConfig({ ...base, WINK_LLM_SESSION_TOKEN_BUDGET: 'lots' })).toThrow();
    expect(() => readJudgeConfig({ ...base, WINK_LLM_MIN_CONFIDENCE: '1.5' })).toThrow();
    expect(() => readJudgeConfig({ ...base, WINK_LLM_BASE_URL: 'ftp://x' })).toThrow(/http/);
  });
});

describe('loadJudgeApiKey', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123:secret:llm';

  it('prefers a key given directly and never calls Secrets Manager then', async () => {
    const client = { send: vi.fn() };
    await expect(loadJudgeApiKey({ apiKey: 'direct', apiKeySecretArn: arn }, client)).resolves.toBe('direct');
    expect(client.send).not.toHaveBeenCalled();
  });

  it('uses a placeholder when no key is configured (local servers need none)', async () => {
    await expect(loadJudgeApiKey({})).resolves.toBe(NO_API_KEY);
  });

  it('fetches the secret once per container, shared by concurrent callers', async () => {
    clearJudgeApiKeyCache();
    const client = { send: vi.fn(async (_command: GetSecretValueCommand) => ({ SecretString: '{"apiKey":"sk-from-secret"}' })) };
    const keys = await Promise.all([loadJudgeApiKey({ apiKeySecretArn: arn }, client), loadJudgeApiKey({ apiKeySecretArn: arn }, client)]);
    await loadJudgeApiKey({ apiKeySecretArn: arn }, client);
    expect(keys).toEqual(['sk-from-secret', 'sk-from-secret']);
    expect(client.send).toHaveBeenCalledTimes(1);
    expect(client.send.mock.calls[0]?.[0]).toMatchObject({ input: { SecretId: arn } });
  });

  it('forgets a failed fetch so the next batch retries', async () => {
    clearJudgeApiKeyCache();
    const client = {
      send: vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValueOnce({ SecretString: 'raw-key' }),
    };
    await expect(loadJudgeApiKey({ apiKeySecretArn: arn }, client)).rejects.toThrow('throttled');
    await expect(loadJudgeApiKey({ apiKeySecretArn: arn }, client)).resolves.toBe('raw-key');
    expect(client.send).toHaveBeenCalledTimes(2);
  });

  it('reads a bare key or a JSON object holding one', () => {
    expect(keyFromSecretString(' sk-abc \n')).toBe('sk-abc');
    expect(keyFromSecretString('{"api_key":"k1"}')).toBe('k1');
    expect(keyFromSecretString('{"key":"k2"}')).toBe('k2');
    expect(keyFromSecretString('{"other":"x"}')).toBeUndefined();
    expect(keyFromSecretString('')).toBeUndefined();
  });
});
