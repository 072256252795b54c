import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInitClaudeCode } from '../../cli/init.ts';
import { main } from '../../cli/main.ts';
import { HOOK_COMMAND, WINK_HOOK_EVENTS, isWinkHook, mergeWinkHooks } from '../../shared/integrations/claudeCodeSettings.ts';
import { captureIo } from './support.ts';

/** A settings file as a user might have it: other settings, their own hooks, including on events Wink uses. */
const EXISTING = {
  model: 'claude-sonnet-4-5',
  permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
  env: { FOO: 'bar' },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/.claude/hooks/guard.sh', timeout: 10 }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }],
    Notification: [{ hooks: [{ type: 'command', command: 'notify-send claude' }] }],
  },
};

describe('wink init claude-code', () => {
  let project: string;
  let home: string;
  const settingsPath = () => join(project, '.claude', 'settings.json');
  const read = async (path = settingsPath()) => JSON.parse(await readFile(path, 'utf8')) as typeof EXISTING & { hooks: Record<string, Array<{ matcher?: string; hooks: unknown[] }>> };

  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'wink-init-'));
    home = await mkdtemp(join(tmpdir(), 'wink-home-'));
  });
  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });

  it('merges into an existing settings file without losing anything, shows the diff and the env vars', async () => {
    await mkdir(join(project, '.claude'));
    await writeFile(settingsPath(), JSON.stringify(EXISTING, null, 2));
    const io = captureIo();
    expect(await runInitClaudeCode({ variant: 'http', url: 'https://wink.example.com/', scope: 'project', cwd: project }, io)).toBe(0);

    const merged = await read();
    // Everything the user had is still there, unchanged.
    expect(merged).toMatchObject({ model: EXISTING.model, permissions: EXISTING.permissions, env: EXISTING.env });
    expect(merged.hooks.PreToolUse![0]).toEqual(EXISTING.hooks.PreToolUse[0]);
    expect(merged.hooks.Stop![0]).toEqual(EXISTING.hooks.Stop[0]);
    expect(merged.hooks.Notification).toEqual(EXISTING.hooks.Notification);
    // Wink's hook on every event it needs.
    for (const { event, matcher } of WINK_HOOK_EVENTS) {
      const wink = merged.hooks[event]!.filter((group) => group.hooks.some(isWinkHook));
      expect(wink).toEqual([{ ...(matcher ? { matcher } : {}), hooks: [{
        type: 'http', url: 'https://wink.example.com/v1/integrations/claude-code/hooks',
        headers: { Authorization: 'Bearer $WINK_API_KEY' }, allowedEnvVars: ['WINK_API_KEY'], timeout: 5,
      }] }]);
    }
    expect(io.stdout()).toMatch(/^\+ .*"url": "https:\/\/wink\.example\.com\/v1\/integrations\/claude-code\/hooks"/m);
    expect(io.stdout()).not.toMatch(/^- /m);
    expect(io.stdout()).toContain('export WINK_API_KEY=');
  });

  it('is idempotent, and switching variant replaces Wink’s hooks in place', async () => {
    await mkdir(join(project, '.claude'));
    await writeFile(settingsPath(), JSON.stringify(EXISTING));
    await runInitClaudeCode({ variant: 'http', url: 'http://127.0.0.1:8787', scope: 'project', cwd: project }, captureIo());
    const once = await readFile(settingsPath(), 'utf8');
    const again = captureIo();
    await runInitClaudeCode({ variant: 'http', url: 'http://127.0.0.1:8787', scope: 'project', cwd: project }, again);
    expect(await readFile(settingsPath(), 'utf8')).toBe(once);
    expect(again.stdout()).toMatch(/already configured; nothing changed/);

    const switched = captureIo();
    await runInitClaudeCode({ variant: 'command', url: 'http://127.0.0.1:8787', scope: 'project', cwd: project }, switched);
    const merged = await read();
    const winkHooks = Object.values(merged.hooks).flat().flatMap((group) => group.hooks).filter(isWinkHook);
    expect(winkHooks).toEqual(WINK_HOOK_EVENTS.map(() => ({ type: 'command', command: HOOK_COMMAND, timeout: 5 })));
    expect(merged.hooks.PreToolUse![0]).toEqual(EXISTING.hooks.PreToolUse[0]);
    expect(switched.stdout()).toContain('export WINK_URL=http://127.0.0.1:8787');
  });

  it('creates ~/.claude/settings.json for --scope user through the CLI', async () => {
    const io = captureIo();
    const previous = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(await main(['init', 'claude-code', '--scope', 'user', '--command', '--url', 'http://127.0.0.1:8787'], io)).toBe(0);
    } finally {
      process.env.HOME = previous;
    }
    const created = await read(join(home, '.claude', 'settings.json'));
    expect(Object.keys(created.hooks).sort()).toEqual(WINK_HOOK_EVENTS.map((e) => e.event).sort());
    expect(io.stdout()).toMatch(/^Created /);
  });

  it('refuses a settings file that is not JSON, changing nothing', async () => {
    await mkdir(join(project, '.claude'));
    await writeFile(settingsPath(), '{ "model": "x", }');
    const io = captureIo();
    const previous = process.cwd();
    process.chdir(project);
    try {
      expect(await main(['init', 'claude-code'], io)).toBe(1);
    } finally {
      process.chdir(previous);
    }
    expect(io.stderr()).toMatch(/not valid JSON.*nothing was changed/);
    expect(await readFile(settingsPath(), 'utf8')).toBe('{ "model": "x", }');
  });

  it('keeps one Wink hook when the file already holds duplicates, and refuses hooks of the wrong shape', () => {
    const wink = { type: 'http', url: 'http://old.example/v1/integrations/claude-code/hooks' };
    const merged = mergeWinkHooks({ hooks: { Stop: [{ hooks: [wink] }, { hooks: [wink, { type: 'command', command: 'x' }] }] } }, 'http', 'http://new.example');
    expect((merged.hooks as Record<string, unknown>).Stop).toEqual([
      { hooks: [expect.objectContaining({ url: 'http://new.example/v1/integrations/claude-code/hooks' })] },
      { hooks: [{ type: 'command', command: 'x' }] },
    ]);
    expect(() => mergeWinkHooks({ hooks: [] }, 'http', 'http://x')).toThrow(/hooks/);
    expect(() => mergeWinkHooks({ hooks: { Stop: {} } }, 'http', 'http://x')).toThrow(/hooks\.Stop/);
  });
});
