import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_ENTRY_FILE, lambdaBuildOptions } from '../infra/lambdaBundle.ts';

/**
 * Each function's bundle exactly as the CDK construct makes it (the same options object,
 * infra/lambdaBundle.ts), and its cold import time: a fresh Node process imports the bundle,
 * median of several runs. The bundles are written inside the repository so the AWS SDK clients
 * left external resolve from node_modules, as the runtime's would.
 *
 * `minifiedBytes` is what a cold start reads: the entry file and every chunk it imports
 * statically. `lazyBytes` are chunks read only by a dynamic import() (the judge, the experiment
 * statistics, the OpenAPI document). Source maps are not counted (Lambda reads them only when
 * an error's stack is printed).
 */
const FUNCTIONS = ['ingest', 'detector', 'notifier'] as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the handlers read at load time; values only need to be well-formed. */
const HANDLER_ENV = {
  WINK_TABLE_NAME: 'bench', WINK_STEPS_QUEUE_URL: 'http://127.0.0.1:1/q/steps', WINK_NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/q/n',
  WINK_STEP_TIMER_QUEUE_URL: 'http://127.0.0.1:1/q/timer', WINK_NOTIFICATIONS_DLQ_URL: 'http://127.0.0.1:1/q/n-dlq',
  AWS_REGION: 'us-east-1', POWERTOOLS_SERVICE_NAME: 'wink', POWERTOOLS_METRICS_NAMESPACE: 'Wink', POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface BundleFigures {
  /** Bytes a cold start reads: the entry file plus the chunks it imports statically. */
  minifiedBytes: number;
  /** Bytes in chunks only a dynamic import() reads. */
  lazyBytes: number;
  /** The largest packages (or source folders) in the cold-start bytes, KB each. */
  largest: Record<string, number>;
  /** Modules left to the Lambda runtime that the bundle imports. */
  runtimeImports: string[];
  coldImportMs: { median: number; min: number; runs: number };
  /**
   * The same fresh-process import of only the runtime's modules the bundle imports (the AWS SDK
   * clients): on Lambda they load from the runtime's disk at every cold start too. The bundle's own
   * share is the difference of the medians.
   */
  runtimeImportsMs: { median: number; runs: number };
}

export async function runBundleBench(options: { importRuns?: number } = {}): Promise<Record<string, BundleFigures>> {
  const runs = options.importRuns ?? 5;
  const dir = await mkdtemp(join(ROOT, 'node_modules', '.wink-bench-'));
  try {
    const result: Record<string, BundleFigures> = {};
    for (const name of FUNCTIONS) {
      const outdir = join(dir, name);
      const { metafile } = await build({ ...lambdaBuildOptions(join(ROOT, 'functions', name, 'handler.ts'), outdir), absWorkingDir: ROOT, metafile: true });
      const sizes = measureOutputs(metafile, relative(ROOT, join(outdir, BUNDLE_ENTRY_FILE)));
      const times: number[] = [];
      const runtimeTimes: number[] = [];
      // Interleaved, so a burst of load on a shared machine hits both series alike.
      for (let r = 0; r < runs; r += 1) {
        times.push(await coldImportMs([join(outdir, BUNDLE_ENTRY_FILE)]));
        runtimeTimes.push(await coldImportMs(sizes.runtimeImports));
      }
      times.sort((a, b) => a - b);
      runtimeTimes.sort((a, b) => a - b);
      result[name] = {
        ...sizes,
        coldImportMs: { median: round(times[Math.floor(times.length / 2)]!), min: round(times[0]!), runs },
        runtimeImportsMs: { median: round(runtimeTimes[Math.floor(runtimeTimes.length / 2)]!), runs },
      };
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Splits the outputs into what the entry reaches by static imports and what only import() reaches. */
export function measureOutputs(metafile: Metafile, entryPath: string): Omit<BundleFigures, 'coldImportMs' | 'runtimeImportsMs'> {
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).filter(([path]) => !path.endsWith('.map')));
  const eager = new Set<string>();
  const visit = (path: string) => {
    if (eager.has(path) || !outputs[path]) return;
    eager.add(path);
    for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entryPath);
  let minifiedBytes = 0;
  let lazyBytes = 0;
  const byPackage: Record<string, number> = {};
  const runtimeImports = new Set<string>();
  for (const [path, output] of Object.entries(outputs)) {
    if (!eager.has(path)) {
      lazyBytes += output.bytes;
      continue;
    }
    minifiedBytes += output.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byPackage[packageOf(input)] = (byPackage[packageOf(input)] ?? 0) + bytesInOutput;
    for (const imported of output.imports) if (imported.external && !imported.path.startsWith('node:')) runtimeImports.add(imported.path);
  }
  const largest = Object.fromEntries(
    Object.entries(byPackage).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, bytes]) => [name, Math.round(bytes / 1024)]),
  );
  return { minifiedBytes, lazyBytes, largest, runtimeImports: [...runtimeImports].sort() };
}

/** `node_modules/@scope/name/...` → `@scope/name`; `shared/detection/x.ts` → `shared/detection`. */
function packageOf(input: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return inModules ? inModules[1]! : input.split('/').slice(0, 2).join('/');
}

/** A fresh Node process imports `specifiers` (resolved from the repository root, like the bundle's externals). */
async function coldImportMs(specifiers: string[]): Promise<number> {
  const imports = specifiers.map((specifier) => `import(${JSON.stringify(specifier)})`).join(', ');
  const script = `const t0 = performance.now(); await Promise.all([${imports}]); console.log(performance.now() - t0);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT, env: { ...process.env, ...HANDLER_ENV }, timeout: 30_000,
  });
  return Number(stdout.trim().split('\n').at(-1));
}

const round = (value: number) => Math.round(value * 10) / 10;
