import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readWinkConfig } from '../../infra/config.ts';
import { PROJECT_ROOT, WinkStack } from '../../infra/winkStack.ts';

/** The context `cdk synth` sees: cdk.json's (defaults and feature flags). */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')) as { context: Record<string, unknown> }).context;

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

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** All resources of `type`, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}
