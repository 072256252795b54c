import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, CONTEXT_PREFIX, readWinkConfig } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/paths.ts';
import { CDK_JSON_CONTEXT } from './synth.ts';

const fromContext = (context: Record<string, unknown>) => readWinkConfig((key) => context[key]);

describe('readWinkConfig', () => {
  it('cdk.json lists every wink:* key, with exactly the built-in defaults', () => {
    // Arrange
    const winkKeysInCdkJson = Object.keys(CDK_JSON_CONTEXT).filter((key) => key.startsWith(CONTEXT_PREFIX));

    // Act
    const builtIn = fromContext({});
    const fromCdkJson = fromContext(CDK_JSON_CONTEXT);

    // Assert: cdk.json documents the defaults; optional values without a default are left out of it.
    const optionalWithoutDefault = ['detectionConfig', 'webhookRetryDelaysSeconds', 'webhookTimeoutMs', 'defaultExperiment', 'secretPatterns'];
    expect(winkKeysInCdkJson.sort()).toEqual(
      CONTEXT_KEYS.filter((key) => !optionalWithoutDefault.includes(key)).map((key) => `${CONTEXT_PREFIX}${key}`).sort(),
    );
    expect(fromCdkJson).toEqual(builtIn);
  });

  it('docs/deploy.md documents every key, with the built-in default', () => {
    const guide = readFileSync(`${PROJECT_ROOT}docs/deploy.md`, 'utf8');
    const documented = new Map([...guide.matchAll(/^\| `wink:(\w+)` \| ([^|]+) \|/gm)].map((row) => [row[1]!, row[2]!.trim()]));

    const builtIn = fromContext({});

    expect([...documented.keys()].sort()).toEqual([...CONTEXT_KEYS].sort());
    for (const key of CONTEXT_KEYS) {
      if (builtIn[key] !== undefined) expect(documented.get(key), key).toBe(`\`${String(builtIn[key])}\``);
    }
  });

  it('coerces the strings that `cdk deploy -c key=value` passes', () => {
    const config = fromContext({
      'wink:deletionProtection': 'false',
      'wink:apiThrottleRateLimit': '12.5',
      'wink:detectorBatchSize': '4',
      'wink:misbehaviorRateThreshold': '0.2',
      'wink:webhookRetryDelaysSeconds': '5, 10,20',
      'wink:detectionConfig': '{"loopWindow": 8}',
      'wink:llmSecretName': 'wink/llm-api-key',
      'wink:alarmEmail': 'ops@example.com',
    });

    expect(config).toMatchObject({
      deletionProtection: false,
      apiThrottleRateLimit: 12.5,
      detectorBatchSize: 4,
      misbehaviorRateThreshold: 0.2,
      webhookRetryDelaysSeconds: [5, 10, 20],
      detectionConfig: { loopWindow: 8 },
      llmSecretName: 'wink/llm-api-key',
      alarmEmail: 'ops@example.com',
    });
  });

  it('treats empty strings as "not set" for the optional values', () => {
    const config = fromContext({ 'wink:llmSecretName': '', 'wink:alarmEmail': '', 'wink:detectionConfig': '' });

    expect(config.llmSecretName).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
    expect(config.detectionConfig).toBeUndefined();
  });

  it('rejects bad values, naming every offending key', () => {
    const read = () =>
      fromContext({
        'wink:misbehaviorRateThreshold': '1.5',
        'wink:removalPolicy': 'snapshot',
        'wink:alarmEmail': 'not-an-email',
        'wink:logRetentionDays': '10',
        'wink:detectionConfig': '{oops',
        'wink:stage': 'has spaces',
      });

    expect(read).toThrow(/wink:misbehaviorRateThreshold/);
    expect(read).toThrow(/wink:removalPolicy/);
    expect(read).toThrow(/wink:alarmEmail/);
    expect(read).toThrow(/wink:logRetentionDays: must be one of/);
    expect(read).toThrow(/wink:detectionConfig/);
    expect(read).toThrow(/wink:stage/);
  });

  it('rejects a steps queue age alarm that a gap wait alone would raise', () => {
    expect(() => fromContext({ 'wink:stepGapWaitSeconds': '900' })).toThrow(/wink:stepsQueueMaxAgeSeconds: must be above wink:stepGapWaitSeconds/);
    expect(fromContext({ 'wink:stepGapWaitSeconds': '900', 'wink:stepsQueueMaxAgeSeconds': '1200' }).stepGapWaitSeconds).toBe(900);
  });

  it('rejects a webhook retry delay beyond the SQS visibility limit', () => {
    expect(() => fromContext({ 'wink:webhookRetryDelaysSeconds': '5,50000' })).toThrow(/wink:webhookRetryDelaysSeconds/);
  });
});
