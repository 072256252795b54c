import { readdir, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { loadTrajectory, type Trajectory } from '../shared/adapters/index.ts';
import type { DetectionThresholds } from '../shared/detection/config.ts';
import { LabelsError, readLabels } from '../shared/eval/labels.ts';
import { subRunTrajectory } from '../shared/eval/subRuns.ts';
import { replayTrajectory } from '../shared/eval/replay.ts';
import { renderCorpusFigures, renderHtmlReport, renderMarkdownReport, type EvalRun } from '../shared/eval/report.ts';
import { scoreCorpus, type EvalScores, type ScoringCase } from '../shared/eval/score.ts';
import { CliError, type CliIo } from './io.ts';

export interface EvalOptions {
  thresholds: DetectionThresholds;
  json: boolean;
  report?: string;
  /** A folder of `<group>/labels.json` real-run corpora, scored and reported apart from the injected corpus. */
  real?: string;
}

/** One corpus's headline figures (the targets of docs/eval.md), without the per-case tables. */
export interface CorpusFigures {
  labels: string[];
  corpus: EvalScores['corpus'];
  overall: EvalScores['overall'];
  perSubtype: EvalScores['perSubtype'];
  falseInterventionsPerCleanTrajectory: number | null;
  subtypePrecision: number | null;
  medianDetectionDelaySteps: number | null;
  meanDetectionDelaySteps: number | null;
  interventionsPerDetectedEpisode: number | null;
  duplicateInterventions: number;
}

/** What detection sent on one real run, beside its labels: what the detectors engineer reads. */
export interface RealCaseDetail {
  id: string;
  episodes: Array<{ subtype: string; firstStep: number; lastStep: number }>;
  sent: Array<{ subtype: string; openedAtStep: number; evidence: number[] }>;
}

/**
 * Top-level keys are the injected corpus's (test/fixtures/eval/labels.json), as before the real
 * corpus existed; `injected` repeats its headline figures and `real` holds the real corpus's.
 */
export interface EvalOutput extends EvalScores {
  run: EvalRun;
  thresholds: DetectionThresholds;
  injected: CorpusFigures;
  real?: CorpusFigures & { details: RealCaseDetail[] };
}

interface ScoredCorpus {
  scores: EvalScores;
  details: RealCaseDetail[];
}

/**
 * Replays every labeled trajectory offline through the deterministic detectors and scores the
 * interventions against the labels. No network: the LLM judge is not part of this run. With
 * `realDir`, every `<realDir>/<group>/labels.json` is scored too, as the separate real corpus.
 */
export async function evaluate(labelsPath: string, thresholds: DetectionThresholds, realDir?: string): Promise<EvalOutput> {
  const started = performance.now();
  const injected = await scoreLabels([labelsPath], thresholds);
  const realLabels = realDir === undefined ? [] : await realLabelFiles(realDir);
  const real = realDir === undefined ? undefined : await scoreLabels(realLabels, thresholds, realDir);
  const run: EvalRun = {
    labels: [labelsPath, ...realLabels].map(shortPath).join(', '),
    detectors: 'deterministic (in-process engine)',
    judge: 'not configured (deterministic detectors only)',
    durationMs: Math.round(performance.now() - started),
  };
  return {
    run,
    thresholds,
    ...injected.scores,
    injected: figures([labelsPath], injected.scores),
    ...(real ? { real: { ...figures(realLabels, real.scores), details: real.details } } : {}),
  };
}

/** The labels files of a real corpus: one per group folder, `<dir>/<group>/labels.json`. */
export async function realLabelFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new CliError(`--real ${dir}: expected a folder of <group>/labels.json (${(error as Error).message})`, 2, { cause: error });
  }
  const groups = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: string[] = [];
  for (const group of groups) {
    const inside = await readdir(join(dir, group));
    if (inside.includes('labels.json')) files.push(join(dir, group, 'labels.json'));
  }
  if (files.length === 0) throw new CliError(`--real ${dir}: no <group>/labels.json found`, 2);
  return files;
}

function figures(labels: string[], scores: EvalScores): CorpusFigures {
  return {
    labels: labels.map(shortPath),
    corpus: scores.corpus,
    overall: scores.overall,
    perSubtype: scores.perSubtype,
    falseInterventionsPerCleanTrajectory: scores.falseInterventionsPerCleanTrajectory,
    subtypePrecision: scores.subtypePrecision,
    medianDetectionDelaySteps: scores.medianDetectionDelaySteps,
    meanDetectionDelaySteps: scores.meanDetectionDelaySteps,
    interventionsPerDetectedEpisode: scores.interventionsPerDetectedEpisode,
    duplicateInterventions: scores.duplicateInterventions,
  };
}

function shortPath(path: string): string {
  return relative(process.cwd(), resolve(path)) || path;
}

async function scoreLabels(labelsPaths: string[], thresholds: DetectionThresholds, idBase?: string): Promise<ScoredCorpus> {
  const cases: ScoringCase[] = [];
  const details: RealCaseDetail[] = [];
  for (const labelsPath of labelsPaths) {
    const scored = await scoreLabelsFile(labelsPath, thresholds, idBase);
    cases.push(...scored.cases);
    details.push(...scored.details);
  }
  return { scores: scoreCorpus(cases), details };
}

async function scoreLabelsFile(labelsPath: string, thresholds: DetectionThresholds, idBase?: string): Promise<{ cases: ScoringCase[]; details: RealCaseDetail[] }> {
  const labels = await readLabels(labelsPath).catch((error: unknown) => {
    throw error instanceof LabelsError ? new CliError(error.message, 1, { cause: error }) : error;
  });
  const base = dirname(resolve(labelsPath));
  const cases: ScoringCase[] = [];
  const details: RealCaseDetail[] = [];
  for (const [i, labeled] of labels.trajectories.entries()) {
    const file = resolve(base, labeled.file);
    const trajectory = labeledRun(await loadTrajectory(file, labeled.format ?? 'auto'), labeled.subRun, `${labelsPath}: $.trajectories[${i}].subRun`);
    for (const [j, episode] of labeled.episodes.entries()) {
      if (episode.lastStep >= trajectory.steps.length) {
        throw new CliError(`${labelsPath}: $.trajectories[${i}].episodes[${j}]: lastStep ${episode.lastStep} is beyond the ${trajectory.steps.length} steps of ${trajectory.source}`);
      }
    }
    const result = replayTrajectory(trajectory, {
      thresholds,
      ...(labeled.policy ? { policy: labeled.policy } : {}),
      ...(labeled.constraints ? { constraints: labeled.constraints } : {}),
    });
    const id = `${idBase === undefined ? labeled.file : relative(resolve(idBase), file)}${labeled.subRun ? `#${labeled.subRun}` : ''}`;
    cases.push({
      id,
      group: labeled.group,
      stepCount: trajectory.steps.length,
      episodes: labeled.episodes,
      interventions: result.interventions,
    });
    details.push({
      id,
      episodes: labeled.episodes.map(({ subtype, firstStep, lastStep }) => ({ subtype, firstStep, lastStep })),
      sent: result.interventions.map((sent) => ({ subtype: sent.subtype, openedAtStep: sent.openedAtStep, evidence: sent.evidence.stepIndexes })),
    });
  }
  return { cases, details };
}

/** `wink eval`: prints one JSON object (--json) or a short summary, and writes the report if asked. */
export async function runEval(labelsPath: string, options: EvalOptions, io: CliIo): Promise<number> {
  const output = await evaluate(labelsPath, options.thresholds, options.real);
  if (options.report) {
    const ext = extname(options.report).toLowerCase();
    if (ext !== '.html' && ext !== '.htm' && ext !== '.md') throw new CliError(`--report ${options.report}: expected a .html or .md file name`, 2);
    const text = ext === '.md' ? renderMarkdownReport(output, output.run) : renderHtmlReport(output, output.run);
    await writeFile(options.report, text);
    io.err(`wink eval: report written to ${options.report}\n`);
  }
  if (options.json) {
    io.out(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    io.out(renderMarkdownReport(output, output.run).split('\n## Trajectories')[0]!.trimEnd() + '\n');
    if (output.real) io.out(`\n${renderCorpusFigures('Real corpus', output.real)}\n`);
  }
  return 0;
}

/** The run a label names: the file's main run, or one of its sub-agent runs as its own trajectory. */
function labeledRun(trajectory: Trajectory, subRun: string | undefined, where: string): Trajectory {
  if (subRun === undefined) return trajectory;
  const found = trajectory.subRuns?.find((run) => run.id === subRun);
  if (!found) {
    const known = trajectory.subRuns?.map((run) => run.id).join(', ') || 'none';
    throw new CliError(`${where}: no sub-agent run '${subRun}' in ${trajectory.source} (sub-runs: ${known})`);
  }
  return subRunTrajectory(trajectory, found);
}
