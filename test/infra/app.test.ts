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

/** The code a cold start reads: index.mjs and the chunks it imports statically, transitively. */
function coldStartCode(assetDir: string): string {
  const seen = new Set<string>();
  const read = (file: string): string => {
    if (seen.has(file)) return '';
    seen.add(file);
    const code = readFileSync(join(assetDir, file), 'utf8');
    const staticChunks = [...code.matchAll(/(?:import|export)\s*(?:[^;("]*?from\s*)?"\.\/((?:chunks\/)?[^"]+\.mjs)"/g)].map((m) => m[1]!);
    const fromChunk = file.startsWith('chunks/') ? (name: string) => `chunks/${name}` : (name: string) => name;
    return code + staticChunks.map((name) => read(fromChunk(name))).join('');
  };
  return read('index.mjs');
}

describe('cdk synth of the real app', () => {
  it('writes the Wink-prod template without AWS credentials', () => {
    expect(functions()).toHaveLength(3);
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(true);
  });

  it('bundles each handler as minified ESM with a source map, each function its own bundle', () => {
    const assetPaths = new Set<string>();
    for (const [id, resource] of functions()) {
      const assetDir = join(outDir, resource.Metadata!['aws:asset:path']!);
      assetPaths.add(assetDir);
      expect(resource.Properties.Handler, id).toBe('index.handler');
      const files = readdirSync(assetDir).sort();
      expect(files.filter((name) => name !== 'chunks'), id).toEqual(['index.mjs', 'index.mjs.map']);
      for (const chunk of files.includes('chunks') ? readdirSync(join(assetDir, 'chunks')) : []) expect(chunk, id).toMatch(/\.mjs(\.map)?$/);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      const averageLineLength = code.length / code.split('\n').length;
      expect(averageLineLength, `${id} is minified`).toBeGreaterThan(1000);
      expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
      expect(code.startsWith('import { createRequire as __winkCreateRequire }'), 'ESM require banner').toBe(true);
      expect(coldStartCode(assetDir), 'AWS SDK v3 comes from the Lambda runtime').toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    }
    expect(assetPaths.size, 'one asset per function, not one bundle shared by all').toBe(3);
  });

  it('keeps the openai SDK out of every cold start: absent from ingest and notifier, a lazy chunk of the detector', () => {
    // The SDK's default endpoint is a string minification keeps: present wherever the SDK is bundled.
    const OPENAI_SDK = 'https://api.openai.com/v1';
    const lazyOpenAiChunks: string[] = [];
    for (const [id, resource] of functions()) {
      const assetDir = join(outDir, resource.Metadata!['aws:asset:path']!);
      expect(coldStartCode(assetDir).includes(OPENAI_SDK), `${id} cold start reads the openai SDK`).toBe(false);
      const chunks = existsSync(join(assetDir, 'chunks')) ? readdirSync(join(assetDir, 'chunks')).filter((name) => name.endsWith('.mjs')) : [];
      const withSdk = chunks.filter((name) => readFileSync(join(assetDir, 'chunks', name), 'utf8').includes(OPENAI_SDK));
      if (id.startsWith('StepPipelineDetector')) lazyOpenAiChunks.push(...withSdk);
      else expect(withSdk, `${id} bundles the openai SDK`).toEqual([]);
    }
    expect(lazyOpenAiChunks, 'the detector bundles the judge as a lazy chunk').toHaveLength(1);
  });

  it('each bundle and its lazy chunks load as ES modules, and the bundle exports handler', async () => {
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
      const assetDir = join(outDir, resource.Metadata!['aws:asset:path']!);
      // The lazy chunks too (the judge, the statistics): a chunk that fails to load fails only when used.
      const chunks = existsSync(join(assetDir, 'chunks')) ? readdirSync(join(assetDir, 'chunks')).filter((name) => name.endsWith('.mjs')) : [];
      const imports = chunks.map((name) => `await import(${JSON.stringify(join(assetDir, 'chunks', name))});`).join(' ');
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(assetDir, 'index.mjs'))}); ${imports} console.log(typeof m.handler);`],
        { cwd: workDir, env, timeout: 30_000 },
      );
      expect(stdout.trim(), id).toBe('function');
    }
  });
});
