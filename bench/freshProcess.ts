/**
 * Runs one bench part in a fresh Node process and returns what it printed. The handlers read their
 * configuration (table, queues, endpoints) once per process, so a second local stack in the same
 * process would send to the first one's stopped servers: every part that starts a stack gets its own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export async function runInFreshProcess<T>(modulePath: string, exportName: string, options: unknown): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', modulePath, exportName, JSON.stringify(options ?? {})],
    { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

if (process.argv[2] === '--child') {
  const [, , , modulePath, exportName, options] = process.argv;
  const part = (await import(pathToFileURL(modulePath!).href)) as Record<string, (options: unknown) => Promise<unknown>>;
  const result = await part[exportName!]!(JSON.parse(options!));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
