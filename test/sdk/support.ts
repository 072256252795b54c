import { inject } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import type { WinkSession } from '../../sdk/index.ts';
import { apiClient } from '../support/apiClient.ts';
import { eventually } from '../support/webhookReceiver.ts';

/** The real local stack for the SDK adapter tests, on the DynamoDB Local and fauxqs of the global setup. */
export async function startSdkStack(prefix: string): Promise<{ stack: LocalStack; api: ReturnType<typeof apiClient> }> {
  const stack = await startLocalStack({
    endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
    port: 0,
    prefix: `${prefix}-${process.pid}`,
    visibilityTimeoutSeconds: 2,
  });
  return { stack, api: apiClient(stack.url, stack.apiKey) };
}

/**
 * Plays a slow tool: by the time it returns, Wink has stored and run detection on every step the
 * agent has posted so far, and the session has asked for interventions once more. A real tool or
 * model call takes seconds, which is what gives detection time to answer; this makes it exact.
 */
export async function letWinkCatchUp(session: WinkSession, api: ReturnType<typeof apiClient>): Promise<void> {
  await session.flush();
  await eventually(async () => {
    const { body } = await api.getSession(session.id!);
    return body.stepCount > 0 && body.processedThrough >= body.stepCount - 1 ? true : undefined;
  }, 15_000, 'detection to catch up');
  await session.refreshInterventions();
}

export const GUIDANCE_MARKER = 'Guidance from Wink';

/** How many model calls saw Wink's guidance in their input. */
export function promptsWithGuidance(prompts: readonly unknown[]): number[] {
  return prompts.flatMap((prompt, call) => (JSON.stringify(prompt).includes(GUIDANCE_MARKER) ? [call] : []));
}
