import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type EvalOutput } from '../../cli/eval.ts';
import { main } from '../../cli/main.ts';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { readLabels } from '../../shared/eval/labels.ts';
import { MISSED_COLUMN } from '../../shared/eval/score.ts';
import { SUBTYPES } from '../../shared/taxonomy.ts';
import { CASES } from '../fixtures/eval/cases.ts';
import { COVERAGE_CASES } from '../fixtures/eval/coverageCases.ts';
import { buildCorpus, LABELS_PATH, labelsText } from '../fixtures/eval/generate.ts';
import { captureIo } from './support.ts';

describe('the evaluation corpus', () => {
  it('is what generate.ts produces (regenerate with `npx tsx test/fixtures/eval/generate.ts`)', async () => {
    const { files, labels } = await buildCorpus();
    const onDisk = (await readdir(join(import.meta.dirname, '../fixtures/eval/generated'))).map((name) => `generated/${name}`).sort();

    expect(await readFile(LABELS_PATH, 'utf8')).toBe(labelsText(labels));
    expect(onDisk).toEqual([...files.keys()].sort());
    for (const [file, text] of files) expect(await readFile(join(import.meta.dirname, '../fixtures/eval', file), 'utf8'), file).toBe(text);
  });

  it('has every group, clean and misbehaving trajectories, and a labeled episode of at least six subtypes', async () => {
    const labels = await readLabels(LABELS_PATH);
    const groups = new Set(labels.trajectories.map((t) => t.group));
    const subtypes = new Set(labels.trajectories.flatMap((t) => t.episodes.map((e) => e.subtype)));

    expect([...groups].sort()).toEqual(['hard_negative', 'injected', 'real']);
    expect(labels.trajectories.filter((t) => t.group === 'hard_negative').every((t) => t.episodes.length === 0)).toBe(true);
    expect(labels.trajectories.filter((t) => t.group === 'injected').every((t) => t.episodes.length > 0)).toBe(true);
    expect(subtypes.size).toBeGreaterThanOrEqual(6);
  });

  it('injects every subtype into at least two different real runs', () => {
    const spliced = [...CASES, ...COVERAGE_CASES];
    const basesOf = (subtype: string) => new Set(spliced.filter((c) => c.episode?.subtype === subtype).map((c) => c.base));

    const thin = SUBTYPES.filter((subtype) => basesOf(subtype).size < 2);

    expect(thin).toEqual([]);
    expect(new Set(spliced.map((c) => c.name)).size).toBe(spliced.length);
  });
});

describe('wink eval over the corpus', () => {
  let output: EvalOutput;
  beforeAll(async () => {
    output = await evaluate(LABELS_PATH, DEFAULT_THRESHOLDS);
  });

  it('scores every labeled trajectory with consistent numbers', async () => {
    const labels = await readLabels(LABELS_PATH);
    const sent = output.cases.reduce((total, c) => total + c.interventions, 0);
    const episodes = labels.trajectories.reduce((total, t) => total + t.episodes.length, 0);

    expect(output.corpus.trajectories).toBe(labels.trajectories.length);
    expect(output.corpus.episodes).toBe(episodes);
    expect(output.corpus.clean + output.corpus.misbehaving).toBe(labels.trajectories.length);
    // Every intervention is a TP or an FP of exactly one subtype.
    expect(output.overall.tp + output.overall.fp).toBe(sent);
    expect(output.overall.support).toBe(episodes);
    expect(output.overall.detected + output.overall.fn).toBe(episodes);
    for (const [subtype, score] of Object.entries(output.perSubtype)) {
      expect(SUBTYPES).toContain(subtype);
      for (const value of [score!.precision, score!.recall, score!.f1].filter((v) => v !== null)) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
      expect(score!.detected).toBeLessThanOrEqual(score!.support);
    }
    // The confusion matrix holds every intervention once and every missed episode once.
    const { counts, columns } = output.confusion;
    const missedColumn = columns.indexOf(MISSED_COLUMN);
    const total = counts.flat().reduce((a, b) => a + b, 0);
    const missed = missedColumn < 0 ? 0 : counts.reduce((sum, row) => sum + row[missedColumn]!, 0);
    expect(total - missed).toBe(sent);
    expect(missed).toBe(output.overall.fn);
    expect(output.llmTokensPerTrajectory).toBe(0);
  });

  it('`wink eval --json` prints exactly one JSON object on stdout', async () => {
    const io = captureIo();

    const code = await main(['eval', LABELS_PATH, '--json'], io);

    expect(code).toBe(0);
    const parsed = JSON.parse(io.stdout()) as EvalOutput;
    expect(Object.keys(parsed)).toEqual(expect.arrayContaining(['perSubtype', 'overall', 'falseInterventionsPerCleanTrajectory', 'interventionsPerMisbehavingTrajectory', 'meanDetectionDelaySteps', 'llmTokensPerTrajectory', 'confusion']));
    expect(parsed.overall).toEqual(output.overall);
  });

  it('writes Markdown and HTML reports with the confusion matrix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wink-eval-'));
    for (const name of ['report.md', 'report.html']) {
      const io = captureIo();
      expect(await main(['eval', LABELS_PATH, '--report', join(dir, name)], io)).toBe(0);
      const text = await readFile(join(dir, name), 'utf8');
      expect(text).toContain('Confusion matrix');
      for (const column of output.confusion.columns) expect(text).toContain(column);
    }
    const bad = captureIo();
    expect(await main(['eval', LABELS_PATH, '--report', join(dir, 'report.pdf')], bad)).toBe(2);
    expect(bad.stderr()).toMatch(/expected a \.html or \.md file name/);
  });

  it('names the labels file and the JSON path of a bad label', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wink-labels-'));
    const path = join(dir, 'labels.json');
    await writeFile(path, JSON.stringify({ trajectories: [{ file: 'x.jsonl', group: 'real', episodes: [{ subtype: 'loopy', firstStep: 0, lastStep: 1 }] }] }));
    const io = captureIo();

    expect(await main(['eval', path], io)).toBe(1);
    expect(io.stderr()).toMatch(/labels\.json: \$\.trajectories\[0\]\.episodes\[0\]\.subtype: /);
  });
});
