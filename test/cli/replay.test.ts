import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureIo } from './support.ts';

const ROOT = join(import.meta.dirname, '../..');
const REAL_DIR = join(ROOT, 'test/fixtures/swe-agent-demos');
const FIXTURES = join(ROOT, 'test/fixtures/trajectories');
const realFiles = readdirSync(REAL_DIR).filter((name) => name.endsWith('.traj'));

interface ReplayJson {
  mode: string;
  trajectories: Array<{ source: string; stepCount: number; interventions: Array<{ subtype: string; openedAtStep: number; evidence: { stepIndexes: number[] } }>; verdicts: unknown[] }>;
  errors: Array<{ source: string; error: string }>;
}

async function replayJson(args: string[]): Promise<{ code: number; json: ReplayJson; stderr: string }> {
  const io = captureIo();
  const code = await main(['replay', ...args, '--json'], io);
  return { code, json: JSON.parse(io.stdout()) as ReplayJson, stderr: io.stderr() };
}

describe('wink replay (offline)', () => {
  it.each(realFiles)('replays the real SWE-agent trajectory %s', async (name) => {
    const io = captureIo();

    const code = await main(['replay', join(REAL_DIR, name)], io);

    expect(code).toBe(0);
    expect(io.stderr()).toBe('');
    expect(io.stdout()).toContain(`${name}  (swe-agent, `);
  });

  it('prints one JSON object with every trajectory of a directory', async () => {
    const { code, json } = await replayJson([REAL_DIR]);

    expect(code).toBe(0);
    expect(json.mode).toBe('offline');
    expect(json.trajectories).toHaveLength(realFiles.length);
    expect(json.errors).toEqual([]);
    for (const trajectory of json.trajectories) {
      for (const intervention of trajectory.interventions) {
        expect(intervention.openedAtStep).toBeLessThan(trajectory.stepCount);
        expect(intervention.evidence.stepIndexes.every((i) => i <= intervention.openedAtStep)).toBe(true);
      }
    }
  });

  it('shows the intervention a repeated failing command gets', async () => {
    const { json } = await replayJson([join(FIXTURES, 'claude-code.jsonl')]);

    expect(json.trajectories[0]?.interventions.map((i) => i.subtype)).toEqual(['repeated_failing_call']);
  });

  it('reports an unreadable file without a stack trace, replays the others, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wink-replay-'));
    await writeFile(join(dir, 'broken.json'), '{"trajectory": [');
    await writeFile(join(dir, 'good.jsonl'), `${JSON.stringify({ index: 0, type: 'user', content: 'hi' })}\n`);

    const { code, json, stderr } = await replayJson([dir]);

    expect(code).toBe(1);
    expect(json.trajectories.map((t) => t.source)).toEqual([join(dir, 'good.jsonl')]);
    expect(json.errors[0]?.error).toMatch(/broken\.json: line 1, column \d+: expected valid JSON/);
    expect(stderr).toMatch(/^wink replay: .*broken\.json: line 1/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown --format and a missing path with a one-line message', async () => {
    const io = captureIo();

    expect(await main(['replay', FIXTURES, '--format', 'yaml'], io)).not.toBe(0);
    expect(io.stderr()).toMatch(/expected auto or one of swe-agent/);
    const missing = captureIo();
    expect(await main(['replay', '/no/such/dir'], missing)).toBe(1);
    expect(missing.stderr()).toBe('wink: /no/such/dir: no such file or directory\n');
  });

  it('applies --policy (validated) to the session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wink-policy-'));
    await writeFile(join(dir, 'bad.json'), '{"forbiddenPaths": "secrets/**"}');
    const io = captureIo();

    expect(await main(['replay', join(FIXTURES, 'openai-chat.json'), '--policy', join(dir, 'bad.json')], io)).toBe(1);
    expect(io.stderr()).toMatch(/bad\.json: forbiddenPaths: expected \{ forbiddenPaths\?: string\[\]/);
  });
});

describe('the wink bin shim', () => {
  it('runs the CLI through bin/wink.mjs', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/wink.mjs'), '--help'], { cwd: ROOT });

    expect(stdout).toMatch(/Usage: wink/);
    expect(stdout).toMatch(/replay/);
  });
});

describe('wink replay warns about content an adapter left out', () => {
  it('prints the adapter warning on stderr and still replays the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wink-warn-'));
    const file = join(dir, 'events.json');
    await writeFile(file, JSON.stringify([
      { kind: 'MessageEvent', source: 'user', llm_message: { role: 'user', content: [{ type: 'text', text: 'Do it.' }] } },
      { kind: 'SomethingNewEvent', source: 'agent' },
    ]));
    const io = captureIo();

    const code = await main(['replay', file], io);

    expect(code).toBe(0);
    expect(io.stderr()).toMatch(/warning: .*event kind 'SomethingNewEvent' is not read and was left out/);
  });
});
