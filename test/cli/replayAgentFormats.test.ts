import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureIo } from './support.ts';

const CLAUDE = join(import.meta.dirname, '../fixtures/real/claude-code');

describe('wink replay on agent transcripts with sub-agents and skipped content', () => {
  it('replays the main run and says on stderr how many sub-agent runs it kept apart', async () => {
    const io = captureIo();
    const file = join(CLAUDE, 'napoli-matcha-3f-43fb42c14c-2.jsonl');

    const code = await main(['replay', file], io);

    expect(code).toBe(0);
    expect(io.stdout()).toContain('napoli-matcha-3f-43fb42c14c-2.jsonl  (claude-code, 16 steps');
    expect(io.stderr()).toBe(`wink replay: ${file}: 1 sub-agent run(s) kept apart from the main run (not replayed)\n`);
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
