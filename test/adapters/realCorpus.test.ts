import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrajectory } from '../../shared/adapters/index.ts';
import { readLabels } from '../../shared/eval/labels.ts';
import { subRunTrajectory } from '../../shared/eval/subRuns.ts';
import { StepSchema } from '../../shared/steps.ts';

const REAL = join(import.meta.dirname, '../fixtures/real');
const groups = (await readdir(REAL, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('the real corpus (test/fixtures/real/<group>/)', () => {
  it('has groups', () => {
    expect(groups.length).toBeGreaterThan(0);
  });

  describe.each(groups)('%s', (group) => {
    const labelsPath = join(REAL, group, 'labels.json');

    it('labels every run in the folder, and SOURCES.md names each one', async () => {
      const labels = await readLabels(labelsPath);
      const listed = [...new Set(labels.trajectories.map((t) => t.file))].sort();
      const onDisk = (await readdir(join(REAL, group))).filter((name) => name !== 'labels.json' && name !== 'SOURCES.md' && !name.startsWith('LICENSE')).sort();
      const sources = await readFile(join(REAL, group, 'SOURCES.md'), 'utf8');

      expect(listed).toEqual(onDisk);
      expect(labels.trajectories.every((t) => t.group === 'real')).toBe(true);
      for (const file of listed) expect(sources, file).toContain(file);
    });

    it('parses every run to at least one valid step, with labeled episodes inside it', async () => {
      const labels = await readLabels(labelsPath);
      for (const labeled of labels.trajectories) {
        const file = await loadTrajectory(join(dirname(labelsPath), labeled.file), labeled.format ?? 'auto');
        const subRun = labeled.subRun === undefined ? undefined : file.subRuns?.find((run) => run.id === labeled.subRun);
        if (labeled.subRun !== undefined) expect(subRun, `${labeled.file}#${labeled.subRun}`).toBeDefined();
        const trajectory = subRun ? subRunTrajectory(file, subRun) : file;

        expect(trajectory.steps.length, labeled.file).toBeGreaterThanOrEqual(1);
        expect(trajectory.steps.every((step, i) => step.index === i && StepSchema.safeParse(step).success), labeled.file).toBe(true);
        for (const episode of labeled.episodes) expect(episode.lastStep, labeled.file).toBeLessThan(trajectory.steps.length);
        if (labeled.episodes.length === 0) expect(labeled.note, `${labeled.file}: a clean label says why`).toBeTruthy();
      }
    });
  });
});
