import { createRequire } from 'node:module';
import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildWinkStack, CONFIGURED_CONTEXT } from './synth.ts';

// cdk-nag is CommonJS; Node's ESM loader misses its named exports.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

const findings = (scope: IConstruct) =>
  new AwsSolutionsChecks().validateScope(scope).violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    where: violation.violatingResources.map((resource) => resource.constructPath),
  }));

function acknowledgments(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Recorded by Validations.acknowledge() as { [ruleId]: reason }.
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      // CDK qualifies unprefixed ids with `Annotation::`; cdk-nag strips it when matching.
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
  );
}

describe('cdk-nag AwsSolutions pack', () => {
  // Both shapes of the stack: cdk.json defaults, and LLM secret + alarm email + destroy policy.
  const plain = buildWinkStack().stack;
  const configured = buildWinkStack(CONFIGURED_CONTEXT).stack;

  it('finds nothing unacknowledged in the Wink stack, with or without the optional features', () => {
    // Errors and warnings alike.
    expect(findings(plain)).toEqual([]);
    expect(findings(configured)).toEqual([]);
  });

  it('does report findings: a bare queue breaks SQS3 (no DLQ) and SQS4 (TLS not enforced)', () => {
    const stack = new Stack(undefined, 'Bare');
    new Queue(stack, 'Queue');

    expect(findings(stack).map((finding) => finding.rule).sort()).toEqual(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']);
  });

  it('every acknowledgment carries a written reason, and only known, justified rules are acknowledged', () => {
    const acks = acknowledgments(configured);

    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.split(/\s+/).length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(8);
    expect(new Set(acks.map((ack) => ack.id))).toEqual(new Set(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-L1', 'AwsSolutions-APIG4']));
  });
});
