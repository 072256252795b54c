import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../cli/eval.ts';
import { main } from '../../cli/main.ts';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { LABELS_PATH } from '../fixtures/eval/generate.ts';
import { loadTrajectory } from '../../shared/adapters/index.ts';
import { captureIo } from './support.ts';

const REAL = join(import.meta.dirname, '../fixtures/real');
const FIGURES = ['corpus', 'overall', 'perSubtype', 'falseInterventionsPerCleanTrajectory', 'subtypePrecision', 'medianDetectionDelaySteps'];

describe('wink eval with the real corpus', () => {
  it('reports the real and the injected corpus apart, and keeps the injected figures at the top level', async () => {
    const withReal = await evaluate(LABELS_PATH, DEFAULT_THRESHOLDS, REAL);
    const injectedOnly = await evaluate(LABELS_PATH, DEFAULT_THRESHOLDS);

    for (const key of FIGURES) {
      expect(withReal.real, key).toHaveProperty(key);
      expect(withReal.injected, key).toHaveProperty(key);
    }
    expect(withReal.real!.overall).toHaveProperty('precision');
    expect(withReal.real!.overall).toHaveProperty('recall');
    expect(withReal.real!.labels.every((path) => path.endsWith('labels.json'))).toBe(true);
    expect(withReal.real!.details).toHaveLength(withReal.real!.corpus.trajectories);
    // The top level is the injected corpus, as before the real corpus existed.
    expect(withReal.overall).toEqual(injectedOnly.overall);
    expect(withReal.injected.overall).toEqual(injectedOnly.overall);
    expect(injectedOnly.real).toBeUndefined();
  });

  it('prints one JSON object with both keys from the command line', async () => {
    const io = captureIo();
    const code = await main(['eval', LABELS_PATH, '--real', REAL, '--json'], io);
    const output = JSON.parse(io.stdout()) as Record<string, unknown>;

    expect(code).toBe(0);
    expect(Object.keys(output)).toEqual(expect.arrayContaining(['real', 'injected', 'overall', 'perSubtype']));
  });

  it('names the folder when --real has no labels', async () => {
    const io = captureIo();
    const code = await main(['eval', LABELS_PATH, '--real', join(REAL, 'no-such-folder'), '--json'], io);
    expect(code).toBe(2);
    expect(io.stderr()).toContain('no-such-folder');
  });

  it('scores a sub-agent run a label names as a trajectory of its own, and names a sub-run that is not there', async () => {
    const run = 'napoli-matcha-3f-43fb42c14c-2.jsonl';
    const group = join(await mkdtemp(join(tmpdir(), 'wink-real-')), 'claude-code');
    await mkdir(group);
    await copyFile(join(REAL, 'claude-code', run), join(group, run));
    const [subRun] = (await loadTrajectory(join(group, run))).subRuns!;
    const labels = (sub: string) => ({ trajectories: [
      { file: run, group: 'real', episodes: [], note: 'main run' },
      { file: run, subRun: sub, group: 'real', episodes: [], note: 'the Explore sub-agent, read on its own' },
    ] });
    await writeFile(join(group, 'labels.json'), JSON.stringify(labels(subRun!.id)));

    const output = await evaluate(LABELS_PATH, DEFAULT_THRESHOLDS, join(group, '..'));

    expect(output.real!.corpus).toMatchObject({ trajectories: 2, steps: 16 + subRun!.steps.length });
    expect(output.real!.details.map((d) => d.id)).toEqual([`claude-code/${run}`, `claude-code/${run}#${subRun!.id}`]);

    await writeFile(join(group, 'labels.json'), JSON.stringify(labels('agent-nope')));
    await expect(evaluate(LABELS_PATH, DEFAULT_THRESHOLDS, join(group, '..'))).rejects.toThrow(`$.trajectories[1].subRun: no sub-agent run 'agent-nope'`);
  });
});
