import { describe, expect, it } from 'vitest';
import { readApiConfig } from '../../shared/apiConfig.ts';
import { ENV, readDetectorConfig, readNotifierConfig } from '../../shared/config.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS } from '../../shared/webhook/retryPolicy.ts';

describe('handler configuration', () => {
  const base = { [ENV.tableName]: 't', [ENV.stepsQueueUrl]: 'q', [ENV.stepTimerQueueUrl]: 'timer', [ENV.notificationsQueueUrl]: 'n', [ENV.notificationsDlqUrl]: 'd' };

  it('fails at cold start, naming the variable, when a required one is missing', () => {
    expect(() => readApiConfig({ [ENV.stepsQueueUrl]: 'q' })).toThrow(/WINK_TABLE_NAME must be set/);
    expect(() => readDetectorConfig({ [ENV.tableName]: 't', [ENV.stepsQueueUrl]: 'q' })).toThrow(/WINK_NOTIFICATIONS_QUEUE_URL must be set/);
    expect(() => readDetectorConfig({ [ENV.tableName]: 't', [ENV.stepsQueueUrl]: 'q', [ENV.notificationsQueueUrl]: 'n' })).toThrow(/WINK_STEP_TIMER_QUEUE_URL must be set/);
  });

  it('treats empty optional variables as unset, so defaults apply', () => {
    const detector = readDetectorConfig({ ...base, [ENV.stepGapWaitSeconds]: '', [ENV.retentionDays]: '' });
    expect(detector).toMatchObject({ stepGapWaitSeconds: 30, retentionDays: 30 });
    expect(readNotifierConfig({ ...base, [ENV.webhookTimeoutMs]: '' })).toMatchObject({ timeoutMs: 10_000, retryDelaysSeconds: [...DEFAULT_RETRY_DELAYS_SECONDS] });
    expect(readApiConfig(base)).toMatchObject({ retentionDays: 30, allowPrivateWebhooks: false });
  });

  it('reads explicit values', () => {
    expect(readDetectorConfig({ ...base, [ENV.stepGapWaitSeconds]: '0' }).stepGapWaitSeconds).toBe(0);
    expect(readNotifierConfig({ ...base, [ENV.webhookRetryDelaysSeconds]: '1, 2' }).retryDelaysSeconds).toEqual([1, 2]);
    expect(readApiConfig({ ...base, [ENV.allowPrivateWebhooks]: 'true' }).allowPrivateWebhooks).toBe(true);
    expect(() => readApiConfig({ ...base, [ENV.allowPrivateWebhooks]: 'yes' })).toThrow();
  });
});

describe('deployment defaults for shadow mode and experiments', () => {
  const base = { [ENV.tableName]: 't', [ENV.stepsQueueUrl]: 'q' };

  it('defaults to active with no experiment, and reads WINK_DEFAULT_MODE and WINK_DEFAULT_EXPERIMENT', () => {
    expect(readApiConfig(base)).toMatchObject({ defaultMode: 'active', defaultExperiment: undefined });
    expect(readApiConfig({ ...base, [ENV.defaultMode]: 'shadow', [ENV.defaultExperiment]: '{"name":"nudges-v1","treatmentShare":0.3}' }))
      .toMatchObject({ defaultMode: 'shadow', defaultExperiment: { name: 'nudges-v1', treatmentShare: 0.3 } });
  });

  it('fails at cold start on a bad mode or experiment', () => {
    expect(() => readApiConfig({ ...base, [ENV.defaultMode]: 'quiet' })).toThrow();
    expect(() => readApiConfig({ ...base, [ENV.defaultExperiment]: 'nudges' })).toThrow(/WINK_DEFAULT_EXPERIMENT must be JSON/);
    expect(() => readApiConfig({ ...base, [ENV.defaultExperiment]: '{"name":"x","treatmentShare":2}' })).toThrow();
  });
});
