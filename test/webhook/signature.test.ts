import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signingSecrets } from '../../shared/pipeline/rotateWebhookSecret.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../../shared/webhook/signature.ts';

/** Issue 12 part 3: deliveries are signed per Standard Webhooks; the reference package verifies them, and our helper verifies its. */
describe('Standard Webhooks signatures', () => {
  const body = JSON.stringify({ interventionId: 'iv_1', guidance: 'Stop retrying' });
  const timestamp = Math.floor(Date.parse('2026-12-01T00:00:00Z') / 1000);

  it('produces headers the standardwebhooks package accepts, for new and for older hex secrets', () => {
    for (const secret of [newWebhookSecret(), `whsec_${'ab'.repeat(32)}`]) {
      const headers = signWebhook([secret], 'iv_1', timestamp, body);
      expect(headers).toEqual({ 'webhook-id': 'iv_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/) });
      const verifier = new Webhook(secret);
      // The package checks the timestamp against its clock: pin it to the signing time.
      (verifier as unknown as { verifyTimestamp: (t: string) => Date }).verifyTimestamp = (t) => new Date(Number(t) * 1000);
      expect(verifier.verify(body, headers)).toEqual(JSON.parse(body));
      expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    }
  });

  it('signs with every current secret during a rotation, and either one verifies', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signWebhook([newSecret, oldSecret], 'iv_2', timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(verifyWebhook(secret, body, headers, { nowSeconds: timestamp })).toBe(true);
  });

  it('verifies what the package signs, and refuses tampering, other secrets and stale timestamps', () => {
    const secret = newWebhookSecret();
    const signature = new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(verifyWebhook(secret, body, headers, { nowSeconds: timestamp + 60 })).toBe(true);
    expect(verifyWebhook(secret, `${body} `, headers, { nowSeconds: timestamp })).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), body, headers, { nowSeconds: timestamp })).toBe(false);
    expect(verifyWebhook(secret, body, { ...headers, 'webhook-id': 'msg_2' }, { nowSeconds: timestamp })).toBe(false);
    expect(verifyWebhook(secret, body, headers, { nowSeconds: timestamp + 301 })).toBe(false);
  });

  it('signs with the rotated-out secret only until its grace period ends', () => {
    const until = Date.parse('2026-12-02T00:00:00Z');
    const session = { webhookSecret: 'whsec_bmV3', previousWebhookSecret: 'whsec_b2xk', previousWebhookSecretValidUntil: new Date(until).toISOString() } as SessionRecord;
    expect(signingSecrets(session, until - 1)).toEqual(['whsec_bmV3', 'whsec_b2xk']);
    expect(signingSecrets(session, until)).toEqual(['whsec_bmV3']);
    expect(signingSecrets({ webhookSecret: 'whsec_bmV3' } as SessionRecord, until)).toEqual(['whsec_bmV3']);
  });
});
