import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NO_API_KEY, type JudgeConfig } from './config.ts';

/**
 * The one place the judge touches the AWS SDK: fetching its API key from Secrets Manager, once
 * per container (the promise is cached per ARN, so concurrent cold-start callers share one call;
 * a failed fetch is forgotten so the next batch retries).
 */
export interface SecretsClientLike {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

const cache = new Map<string, Promise<string>>();
let defaultClient: SecretsManagerClient | undefined;

export async function loadJudgeApiKey(
  config: Pick<JudgeConfig, 'apiKey' | 'apiKeySecretArn'>,
  client?: SecretsClientLike,
): Promise<string> {
  if (config.apiKey) return config.apiKey;
  const arn = config.apiKeySecretArn;
  if (!arn) return NO_API_KEY;
  let pending = cache.get(arn);
  if (!pending) {
    pending = fetchKey(arn, client ?? (defaultClient ??= new SecretsManagerClient({})));
    cache.set(arn, pending);
    pending.catch(() => cache.delete(arn));
  }
  return pending;
}

async function fetchKey(arn: string, client: SecretsClientLike): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const key = keyFromSecretString(SecretString);
  if (!key) throw new Error(`Secret ${arn} holds no LLM API key`);
  return key;
}

/** A secret is either the bare key or a JSON object with an apiKey / api_key / key field. */
export function keyFromSecretString(secret: string | undefined): string | undefined {
  const text = secret?.trim();
  if (!text) return undefined;
  if (!text.startsWith('{')) return text;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const key = parsed.apiKey ?? parsed.api_key ?? parsed.key;
    return typeof key === 'string' && key.trim() ? key.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Tests only: forget cached keys. */
export function clearJudgeApiKeyCache(): void {
  cache.clear();
}
