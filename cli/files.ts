import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CliError } from './io.ts';

/** Extensions a directory walk picks up; files named explicitly are read whatever their name. */
export const TRAJECTORY_EXTENSIONS = new Set(['.traj', '.json', '.jsonl', '.ndjson']);

/** Files and directories (searched recursively, hidden entries skipped) to trajectory files, sorted within each directory. */
export async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`${input}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`, 1, { cause: error });
    });
    if (info.isDirectory()) files.push(...(await walk(input)));
    else files.push(input);
  }
  return files;
}

async function walk(directory: string): Promise<string[]> {
  const entries = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (TRAJECTORY_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}
