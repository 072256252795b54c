import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureOutputs } from '../../bench/bundles.ts';
import { BUNDLE_ENTRY_FILE, lambdaBuildOptions } from '../../infra/lambdaBundle.ts';
import { PROJECT_ROOT, handlerEntry } from '../../infra/paths.ts';

/**
 * What each Lambda bundle carries, from esbuild's metafile with the options CDK uses (nothing is
 * written). Guards the two regressions that tripled the bundles: `import { z } from 'zod'` (the
 * whole zod namespace, all its locales, cannot be tree-shaken) and a static import of the judge.
 */
const NAMES = ['ingest', 'detector', 'notifier'] as const;
const metafiles: Partial<Record<(typeof NAMES)[number], Metafile>> = {};

beforeAll(async () => {
  for (const name of NAMES) {
    const outdir = join(PROJECT_ROOT, 'node_modules', '.wink-bundle-test', name);
    metafiles[name] = (await build({ ...lambdaBuildOptions(handlerEntry(name), outdir), absWorkingDir: PROJECT_ROOT, metafile: true, write: false })).metafile;
  }
}, 60_000);

/** Inputs with code in any output file (metafile.inputs also lists what tree shaking dropped). */
function bundledInputs(name: (typeof NAMES)[number]): string[] {
  return Object.values(metafiles[name]!.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([input]) => input));
}

/** Inputs of the files a cold start reads (entry plus its static chunks). */
function coldStartInputs(name: (typeof NAMES)[number]): string[] {
  const metafile = metafiles[name]!;
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith(`/${name}/${BUNDLE_ENTRY_FILE}`))!;
  const eager = new Set<string>();
  const visit = (path: string) => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of metafile.outputs[path]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  return [...eager].flatMap((path) => Object.keys(metafile.outputs[path]!.inputs));
}

describe('Lambda bundle contents', () => {
  it.each(NAMES)('%s carries no zod locale but English (zod is imported as a namespace)', (name) => {
    const locales = bundledInputs(name).filter((input) => input.includes('/zod/v4/locales/'));
    expect(locales.map((input) => input.replace(/.*\/locales\//, ''))).toEqual(['en.js']);
  });

  it.each(NAMES)('%s reads neither the openai SDK nor jstat at cold start', (name) => {
    const heavy = coldStartInputs(name).filter((input) => /node_modules\/(openai|jstat)\//.test(input));
    expect(heavy).toEqual([]);
  });

  it.each(NAMES)('%s reads neither the OpenAPI document nor the operator secret-pattern checker at cold start', (name) => {
    const heavy = coldStartInputs(name).filter((input) => /shared\/api\/openapi\.ts$|node_modules\/(safe-regex2|ret)\//.test(input));
    // Ingest checks operators' secret patterns at cold start; the others never carry the checker.
    expect(heavy.filter((input) => !(name === 'ingest' && /node_modules\/(safe-regex2|ret)\//.test(input)))).toEqual([]);
  });

  it('the detector still bundles the judge, as a lazy chunk', () => {
    const inputs = bundledInputs('detector');
    expect(inputs.some((input) => input.includes('node_modules/openai/'))).toBe(true);
    const sizes = measureOutputs(metafiles.detector!, Object.keys(metafiles.detector!.outputs).find((path) => path.endsWith(`/detector/${BUNDLE_ENTRY_FILE}`))!);
    expect(sizes.lazyBytes).toBeGreaterThan(100_000);
  });

  it.each(NAMES)('%s leaves only runtime-provided AWS SDK packages external', (name) => {
    const metafile = metafiles[name]!;
    const entry = Object.keys(metafile.outputs).find((path) => path.endsWith(`/${name}/${BUNDLE_ENTRY_FILE}`))!;
    expect(measureOutputs(metafile, entry).runtimeImports.every((path) => /^@aws-sdk\/(client-[a-z-]+|lib-dynamodb|util-dynamodb)$/.test(path))).toBe(true);
  });
});
