import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readWinkConfig } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/paths.ts';
import { WinkStack } from '../../infra/winkStack.ts';

/** The context `cdk synth` sees: cdk.json's (defaults and feature flags). */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as { context: Record<string, unknown> }).context;

/** Context of a fully configured deployment: LLM judge, alarm email, everything deletable. */
export const CONFIGURED_CONTEXT = {
  'wink:llmSecretName': 'wink/llm-api-key',
  'wink:llmModel': 'judge-model',
  'wink:llmBaseUrl': 'https://llm.example.com/v1',
  'wink:alarmEmail': 'ops@example.com',
  'wink:removalPolicy': 'destroy',
  'wink:deletionProtection': 'false',
  'wink:apiThrottleRateLimit': '7',
  'wink:apiThrottleBurstLimit': '9',
  'wink:misbehaviorRateThreshold': '0.2',
  'wink:deliveryFailureRateThreshold': '0.3',
  'wink:webhookRetryDelaysSeconds': '10,20',
  'wink:detectionConfig': '{"loopWindow":8}',
  'wink:logRetentionDays': '90',
  'wink:detectorTimeoutSeconds': '120',
} as const;

/**
 * Builds the Wink stack the way infra/app.ts does, with cdk.json's context plus `overrides`.
 * Bundling is skipped: these tests read the template, not the code.
 */
export function buildWinkStack(overrides: Record<string, unknown> = {}): { app: App; stack: WinkStack } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...overrides } });
  const config = readWinkConfig((key) => app.node.tryGetContext(key));
  const stack = new WinkStack(app, `Wink-${config.stage}`, { config });
  return { app, stack };
}

export function synthWinkTemplate(overrides: Record<string, unknown> = {}): Template {
  return Template.fromStack(buildWinkStack(overrides).stack);
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** All resources of `type`, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** The one resource of `type` whose logical id starts with `logicalIdPrefix` (construct path, no separators). */
export function resourceNamed(template: Template, type: string, logicalIdPrefix: string): { id: string; resource: CfnResource } {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(logicalIdPrefix));
  if (matches.length !== 1) throw new Error(`Expected one ${type} named ${logicalIdPrefix}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  const [id, resource] = matches[0]!;
  return { id, resource };
}
