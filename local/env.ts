import { ENV } from '../shared/config.ts';

/**
 * `npm start` allows loopback and private webhook targets unless WINK_ALLOW_PRIVATE_WEBHOOKS=false
 * asks for the rule AWS deployments apply. Anything but true/false is a mistake worth stopping for.
 */
export function allowPrivateWebhooksFromEnv(env: Record<string, string | undefined>): boolean {
  const value = env[ENV.allowPrivateWebhooks]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${ENV.allowPrivateWebhooks} must be true or false, got "${env[ENV.allowPrivateWebhooks]}"`);
}
