import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/**
 * Each function's bundle as infra/constructs/winkFunction.ts has esbuild make it (minified ESM for
 * node22, `module` before `main`, the require banner, the AWS SDK external), and its cold import
 * time: a fresh Node process imports the bundle, median of several runs. The bundles are written
 * inside the repository so the external AWS SDK resolves from node_modules, as the runtime's would.
 */
const FUNCTIONS = ['ingest', 'detector', 'notifier'] as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ESM_REQUIRE_BANNER =
  "import { createRequire as __winkCreateRequire } from 'node:module'; const require = __winkCreateRequire(import.meta.url);";

/** What the handlers read at load time; values only need to be well-formed. */
const HANDLER_ENV = {
  WINK_TABLE_NAME: 'bench', WINK_STEPS_QUEUE_URL: 'http://127.0.0.1:1/q/steps', WINK_NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/q/n',
  WINK_STEP_TIMER_QUEUE_URL: 'http://127.0.0.1:1/q/timer', WINK_NOTIFICATIONS_DLQ_URL: 'http://127.0.0.1:1/q/n-dlq',
  AWS_REGION: 'us-east-1', POWERTOOLS_SERVICE_NAME: 'wink', POWERTOOLS_METRICS_NAMESPACE: 'Wink', POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export async function runBundleBench(options: { importRuns?: number } = {}) {
  const runs = options.importRuns ?? 5;
  const dir = await mkdtemp(join(ROOT, 'node_modules', '.wink-bench-'));
  try {
    const result: Record<string, { minifiedBytes: number; coldImportMs: { median: number; min: number; runs: number } }> = {};
    for (const name of FUNCTIONS) {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        entryPoints: [join(ROOT, 'functions', name, 'handler.ts')],
        outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module', 'main'],
        banner: { js: ESM_REQUIRE_BANNER }, minify: true, sourcemap: false, external: ['@aws-sdk/*'], logLevel: 'error',
      });
      const times: number[] = [];
      for (let r = 0; r < runs; r += 1) times.push(await coldImportMs(outfile));
      times.sort((a, b) => a - b);
      result[name] = {
        minifiedBytes: (await stat(outfile)).size,
        coldImportMs: { median: round(times[Math.floor(times.length / 2)]!), min: round(times[0]!), runs },
      };
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function coldImportMs(file: string): Promise<number> {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t0);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...HANDLER_ENV }, timeout: 30_000,
  });
  return Number(stdout.trim().split('\n').at(-1));
}

const round = (value: number) => Math.round(value * 10) / 10;
