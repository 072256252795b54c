import { writeFile } from 'node:fs/promises';
import { dirname, extname, relative, resolve } from 'node:path';
import { loadTrajectory } from '../shared/adapters/index.ts';
import type { DetectionThresholds } from '../shared/detection/config.ts';
import { LabelsError, readLabels } from '../shared/eval/labels.ts';
import { replayTrajectory } from '../shared/eval/replay.ts';
import { renderHtmlReport, renderMarkdownReport, type EvalRun } from '../shared/eval/report.ts';
import { scoreCorpus, type EvalScores, type ScoringCase } from '../shared/eval/score.ts';
import { CliError, type CliIo } from './io.ts';

export interface EvalOptions {
  thresholds: DetectionThresholds;
  json: boolean;
  report?: string;
}

export interface EvalOutput extends EvalScores {
  run: EvalRun;
  thresholds: DetectionThresholds;
}

/**
 * Replays every labeled trajectory offline through the deterministic detectors and scores the
 * interventions against the labels. No network: the LLM judge is not part of this run.
 */
export async function evaluate(labelsPath: string, thresholds: DetectionThresholds): Promise<EvalOutput> {
  const started = performance.now();
  const labels = await readLabels(labelsPath).catch((error: unknown) => {
    throw error instanceof LabelsError ? new CliError(error.message, 1, { cause: error }) : error;
  });
  const base = dirname(resolve(labelsPath));
  const cases: ScoringCase[] = [];
  for (const [i, labeled] of labels.trajectories.entries()) {
    const file = resolve(base, labeled.file);
    const trajectory = await loadTrajectory(file, labeled.format ?? 'auto');
    for (const [j, episode] of labeled.episodes.entries()) {
      if (episode.lastStep >= trajectory.steps.length) {
        throw new CliError(`${labelsPath}: $.trajectories[${i}].episodes[${j}]: lastStep ${episode.lastStep} is beyond the ${trajectory.steps.length} steps of ${labeled.file}`);
      }
    }
    const result = replayTrajectory(trajectory, {
      thresholds,
      ...(labeled.policy ? { policy: labeled.policy } : {}),
      ...(labeled.constraints ? { constraints: labeled.constraints } : {}),
    });
    cases.push({
      id: labeled.file,
      group: labeled.group,
      stepCount: trajectory.steps.length,
      episodes: labeled.episodes,
      interventions: result.interventions,
    });
  }
  const scores = scoreCorpus(cases);
  const run: EvalRun = {
    labels: relative(process.cwd(), resolve(labelsPath)) || labelsPath,
    detectors: 'deterministic (in-process engine)',
    judge: 'not configured (deterministic detectors only)',
    durationMs: Math.round(performance.now() - started),
  };
  return { run, thresholds, ...scores };
}

/** `wink eval`: prints one JSON object (--json) or a short summary, and writes the report if asked. */
export async function runEval(labelsPath: string, options: EvalOptions, io: CliIo): Promise<number> {
  const output = await evaluate(labelsPath, options.thresholds);
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
  }
  return 0;
}
