import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/paths.ts';
import { ENV } from '../../shared/config.ts';

const run = promisify(execFile);
const CDK = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');

/** The environment of a fresh machine: no AWS credentials, profile, region or instance metadata. */
function credentialFreeEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')));
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: '1' };
}

// One real `cdk synth` (cdk.json → tsx infra/app.ts → esbuild bundling → cdk-nag checks) shared by the tests.
let workDir: string;
let outDir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };
beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'wink-synth-'));
  outDir = join(workDir, 'cdk.out');
  // The bundles import @aws-sdk/* (the Lambda runtime provides it); this lets them find the project's copy.
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  await run(CDK, ['synth', '--quiet', '--no-notices', '--output', outDir], { cwd: PROJECT_ROOT, env: credentialFreeEnv(workDir), timeout: 120_000 });
  template = JSON.parse(readFileSync(join(outDir, 'Wink-prod.template.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const functions = () => Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');

describe('cdk synth of the real app', () => {
  it('writes the Wink-prod template without AWS credentials', () => {
    expect(functions()).toHaveLength(3);
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(true);
  });

  it('bundles each handler as minified ESM with a source map', () => {
    for (const [id, resource] of functions()) {
      const assetDir = join(outDir, resource.Metadata!['aws:asset:path']!);
      expect(readdirSync(assetDir).sort(), id).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      const averageLineLength = code.length / code.split('\n').length;
      expect(averageLineLength, `${id} is minified`).toBeGreaterThan(1000);
      expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
      expect(code.startsWith('import { createRequire as __winkCreateRequire }'), 'ESM require banner').toBe(true);
      expect(code, 'AWS SDK v3 comes from the Lambda runtime').toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    }
  });

  it('each bundle loads as an ES module and exports handler', async () => {
    const env = {
      ...credentialFreeEnv(workDir),
      AWS_REGION: 'us-east-1',
      [ENV.tableName]: 'wink-table',
      [ENV.stepsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/steps.fifo',
      [ENV.stepTimerQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/step-timer',
      [ENV.notificationsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications',
      [ENV.notificationsDlqUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications-dlq',
    };
    for (const [id, resource] of functions()) {
      const entry = join(outDir, resource.Metadata!['aws:asset:path']!, 'index.mjs');
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.handler);`],
        { cwd: workDir, env, timeout: 30_000 },
      );
      expect(stdout.trim(), id).toBe('function');
    }
  });
});
