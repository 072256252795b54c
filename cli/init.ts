import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SettingsShapeError, lineDiff, mergeWinkHooks, requiredEnv, type HookVariant } from '../shared/integrations/claudeCodeSettings.ts';
import { CliError, type CliIo } from './io.ts';

export interface InitOptions {
  variant: HookVariant;
  url: string;
  scope: 'project' | 'user';
  /** Project directory (project scope) and home directory (user scope); the process's own by default. */
  cwd?: string;
  home?: string;
}

/** `wink init claude-code`: merges Wink's hooks into Claude Code's settings.json, shows the diff, prints the env vars to set. */
export async function runInitClaudeCode(options: InitOptions, io: CliIo): Promise<number> {
  const path = options.scope === 'user'
    ? join(options.home ?? homedir(), '.claude', 'settings.json')
    : join(options.cwd ?? process.cwd(), '.claude', 'settings.json');
  const before = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new CliError(`cannot read ${path}: ${error.message}`, 1, { cause: error });
  });
  let current: unknown = {};
  if (before.trim() !== '') {
    try {
      current = JSON.parse(before);
    } catch (error) {
      throw new CliError(`${path} is not valid JSON (${(error as Error).message}); fix it first, nothing was changed`, 1, { cause: error });
    }
  }
  let merged;
  try {
    merged = mergeWinkHooks(current, options.variant, options.url);
  } catch (error) {
    if (error instanceof SettingsShapeError) throw new CliError(`${path}: ${error.message}; nothing was changed`, 1, { cause: error });
    throw error;
  }
  const after = `${JSON.stringify(merged, null, 2)}\n`;
  const unchanged = before.trim() !== '' && JSON.stringify(current) === JSON.stringify(merged);
  if (unchanged) {
    io.out(`${path}: Wink's ${options.variant} hooks are already configured; nothing changed.\n`);
  } else {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.wink-${process.pid}.tmp`;
    await writeFile(temporary, after);
    await rename(temporary, path);
    io.out(`${before === '' ? 'Created' : 'Updated'} ${path}:\n`);
    // Compared as formatted JSON, so the diff shows what changed, not how the file was indented.
    const old = before.trim() === '' ? '' : JSON.stringify(current, null, 2);
    io.out(`${withContext(lineDiff(old, after.replace(/\n$/, ''))).join('\n')}\n`);
  }
  io.out(`\nSet these in the environment Claude Code runs in:\n${requiredEnv(options.variant, options.url).join('\n')}\n`);
  return 0;
}

/** Changed lines with two lines of context around each change; `…` where unchanged lines are left out. */
function withContext(diff: string[], context = 2): string[] {
  const changed = diff.map((line) => !line.startsWith('  '));
  const out: string[] = [];
  let last = -1;
  diff.forEach((line, i) => {
    if (!changed.slice(Math.max(0, i - context), i + context + 1).some(Boolean)) return;
    if (last >= 0 && i > last + 1) out.push('  …');
    out.push(line);
    last = i;
  });
  return out;
}
