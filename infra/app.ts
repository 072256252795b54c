import { createRequire } from 'node:module';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { readWinkConfig } from './config.ts';
import { WinkStack } from './winkStack.ts';

/**
 * The CDK entry point (`cdk.json` runs it with tsx). Settings come from context only; the stack is
 * environment-agnostic (no account or region, no lookups), so synth needs no AWS credentials.
 * This is the one place allowed to read process.env; today nothing needs it.
 */
const app = new App();
const config = readWinkConfig((key) => app.node.tryGetContext(key));
const stack = new WinkStack(app, `Wink-${config.stage}`, {
  config,
  description: 'Wink: watches coding agents step by step and sends guidance once per misbehavior episode',
});
Tags.of(stack).add('app', 'wink');
Tags.of(stack).add('wink:stage', config.stage);
// AWS Solutions checks run on every synth: an unacknowledged finding stops it. cdk-nag is CommonJS
// and Node's ESM loader misses its named exports, hence require.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
