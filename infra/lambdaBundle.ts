import type { BuildOptions } from 'esbuild';

/**
 * How every Wink Lambda is bundled: the one source of truth for the esbuild options, used by the
 * CDK construct (infra/constructs/winkFunction.ts) and by the bundle bench (bench/bundles.ts).
 *
 * What is left to the Lambda runtime: every Node.js runtime since 18 ships AWS SDK for JavaScript
 * v3 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, "Runtime-included SDK
 * versions"): the `@aws-sdk/client-*` service clients and, as Lambda logs show, the DynamoDB
 * document client and its marshaller (`/var/runtime/node_modules/@aws-sdk/lib-dynamodb`,
 * `.../util-dynamodb`). Keeping the document client from the same copy as the DynamoDB client
 * avoids mixing two SDK versions in one call. The version is the one Lambda picks, not the
 * lockfile's: the code uses only long-stable commands.
 *
 * What is bundled: `@smithy/*` (the runtime nests it under `@aws-sdk/node_modules`, where an
 * import from the function's own code cannot resolve it, so it must never be external), and
 * Powertools, which is not in the runtime (it exists as a public layer, whose version would then
 * be pinned in two places; bundled it is the lockfile's version, about 35 KB).
 *
 * Code splitting: a dynamic `import()` becomes its own chunk file, read only when that code runs.
 * The judge (the openai SDK), the experiment statistics (jstat) and the OpenAPI document (zod's
 * JSON Schema output) are loaded that way, so a cold start reads only the entry file and the
 * chunks it imports statically.
 */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/client-*', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb'] as const;

/**
 * ESM output: handlers may use top-level await, imports stay static, and Node 22 runs it natively.
 * The one known trap is a bundled CommonJS dependency that calls `require` for a Node built-in:
 * esbuild's ESM output throws "Dynamic require of ... is not supported" there. The banner gives
 * every output file a real `require` so such a dependency cannot break at cold start.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __winkCreateRequire } from 'node:module'; const require = __winkCreateRequire(import.meta.url);";

/** The entry file Lambda loads: `index.mjs`, so the handler setting is `index.handler`. */
export const BUNDLE_ENTRY_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

/** esbuild options for one handler, written to `outdir` as `index.mjs` plus `chunks/*.mjs`. */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions & { outdir: string } {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Packages with an ESM build are bundled from it (smaller: tree-shaken).
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...RUNTIME_PROVIDED_MODULES],
    logLevel: 'error',
  };
}
