import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { readWinkConfig } from '../../infra/config.ts';
import { IngestApi } from '../../infra/constructs/ingestApi.ts';
import { VerdictStore } from '../../infra/constructs/verdictStore.ts';
import { handlerEntry } from '../../infra/paths.ts';
import { ENV } from '../../shared/config.ts';

const fromContext = (context: Record<string, unknown>) => readWinkConfig((key) => context[key]);

describe('wink:secretPatterns', () => {
  it('fails the synth on an unsafe pattern, naming it and the rule it breaks', () => {
    expect(() => fromContext({ 'wink:secretPatterns': '{"acme_token":"acme_[a-z]+"}' }))
      .toThrow(/wink:secretPatterns\.0\.pattern: acme_token: has an unbounded or long quantifier/);
    expect(() => fromContext({ 'wink:secretPatterns': '{oops' })).toThrow(/wink:secretPatterns/);
    expect(fromContext({ 'wink:secretPatterns': '{"acme_token":"acme_[a-z]{8}"}' }).secretPatterns).toEqual([{ kind: 'acme_token', pattern: 'acme_[a-z]{8}' }]);
  });

  // A bare stack with the one construct: a second or two alone, far more on a loaded machine.
  it('reaches the ingest function as WINK_SECRET_PATTERNS', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    const table = new VerdictStore(stack, 'Store').table;
    const secretPatternsJson = JSON.stringify([{ kind: 'acme_token', pattern: 'acme_[A-Za-z0-9]{32}' }]);
    new IngestApi(stack, 'Api', { entry: handlerEntry('ingest'), table, stepsQueue: new Queue(stack, 'S'), retentionDays: 30, secretPatternsJson });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.secretPatterns]: secretPatternsJson }) },
    });
  }, 90_000);
});
