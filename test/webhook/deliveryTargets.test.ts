import { describe, expect, it } from 'vitest';
import { postWebhook } from '../../shared/webhook/postWebhook.ts';
import { startWebhookReceiver } from '../support/webhookReceiver.ts';

/** Issue 15 "Webhook targets": the send-time guard sees every address the name resolves to, before connecting. */
describe('postWebhook target guard', () => {
  it('refuses a name whose answer mixes an allowed and a blocked address, and connects to neither', async () => {
    const receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    let lookups = 0;
    const result = await postWebhook(`http://mixed.example.com:${port}/wink`, '{}', {}, {
      timeoutMs: 2000,
      resolve: async () => {
        lookups += 1;
        return [{ address: '127.0.0.1', family: 4 }, { address: '169.254.169.254', family: 4 }];
      },
      // Here 127.0.0.1 stands for a public address; the metadata address stays blocked.
      isBlockedAddress: (address) => address !== '127.0.0.1',
    });
    expect(result).toMatchObject({ kind: 'failure', failure: 'blocked', retryable: false });
    expect(lookups).toBe(1);
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });
});
