import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureIo } from './support.ts';

const CLAUDE = join(import.meta.dirname, '../fixtures/real/claude-code');

describe('wink replay on agent transcripts with sub-agents and skipped content', () => {
  it('replays the main run, then each sub-agent run as a run of its own, and says so on stderr', async () => {
    const io = captureIo();
    const file = join(CLAUDE, 'napoli-matcha-3f-43fb42c14c-2.jsonl');

    const code = await main(['replay', file, '--json'], io);

    expect(code).toBe(0);
    const { trajectories } = JSON.parse(io.stdout()) as { trajectories: Array<{ source: string; sessionId: string; stepCount: number; task?: string }> };
    expect(trajectories.map((t) => t.stepCount)).toEqual([16, 47]);
    expect(trajectories[1]!.source).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#.+`));
    expect(trajectories[1]!.sessionId).toMatch(/^replay-napoli-matcha-3f-43fb42c14c-2-.+/);
    expect(trajectories[1]!.task).toMatch(/^Explore this codebase/);
    expect(io.stderr()).toBe(`wink replay: ${file}: 1 sub-agent run(s) kept apart from the main run, each replayed as its own run (${file}#<id>)\n`);
  });

  it('names the format of a file it recognises but does not read, and exits 1', async () => {
    const io = captureIo();
    const file = join(await mkdtemp(join(tmpdir(), 'wink-')), '.aider.chat.history.md');
    await writeFile(file, '# aider chat started at 2025-01-01 10:00:00\n\n> /add app.py\n');

    const code = await main(['replay', file], io);

    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/what looks like an Aider chat history \(.aider.chat.history.md\), a format Wink does not support/);
  });
});
