import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on `scope` and everything under it. cdk-nag 3 reads CDK's own
 * Validations acknowledgments; a finding with a detail is named `RuleId[Detail]`, e.g.
 * `AwsSolutions-IAM5[Resource::*]`. The reason is the point: say why the finding is acceptable.
 */
export function acknowledgeNagFinding(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`Acknowledging ${id} needs a written reason, got "${reason}"`);
  Validations.of(scope).acknowledge({ id, reason });
}
