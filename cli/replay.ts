import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadTrajectory, TrajectoryFormatError, type Trajectory, type TrajectoryFormat } from '../shared/adapters/index.ts';
import type { DetectionThresholds } from '../shared/detection/config.ts';
import { replayTrajectory, sessionIdFor, type ReplayResult } from '../shared/eval/replay.ts';
import { runsOf } from '../shared/eval/subRuns.ts';
import type { SessionPolicy } from '../shared/steps.ts';
import { expandInputs } from './files.ts';
import { CliError, type CliIo } from './io.ts';
import { replayOnline, type OnlineOptions, type OnlineResult } from './online.ts';
import { renderOfflineReplay, renderOnlineReplay, renderSummary } from './render.ts';

export interface ReplayCommandOptions {
  format: TrajectoryFormat | 'auto';
  json: boolean;
  /** From --policy; absent, the policy is derived from the task (as the service does). */
  policy?: SessionPolicy | undefined;
  thresholds: DetectionThresholds;
  /** Absent: offline, in-process detection. */
  online?: Omit<OnlineOptions, 'policy'>;
}

type Outcome =
  | { ok: true; trajectory: Trajectory; offline?: ReplayResult; online?: OnlineResult }
  | { ok: false; source: string; error: string };

/** `wink replay`: returns the process exit code (1 when any file could not be read or replayed). */
export async function runReplay(inputs: readonly string[], options: ReplayCommandOptions, io: CliIo): Promise<number> {
  const files = await expandInputs(inputs);
  if (files.length === 0) throw new CliError(`no trajectory files (.traj, .json, .jsonl) found in ${inputs.join(', ')}`);

  const bar = files.length > 1 && io.interactive ? new SingleBar({ format: 'replaying {bar} {value}/{total} {file}', stream: process.stderr, clearOnComplete: true, hideCursor: true }) : undefined;
  bar?.start(files.length, 0, { file: '' });
  const outcomes: Outcome[] = [];
  for (const file of files) {
    bar?.update({ file: basename(file) });
    outcomes.push(...(await replayFile(file, options)));
    bar?.increment();
  }
  bar?.stop();

  const failures = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  const successes = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
  for (const failure of failures) io.err(`wink replay: ${failure.error}\n`);
  for (const { trajectory } of successes) {
    for (const warning of trajectory.warnings ?? []) io.err(`wink replay: ${trajectory.source}: warning: ${warning}\n`);
    if (trajectory.subRuns?.length) io.err(`wink replay: ${trajectory.source}: ${trajectory.subRuns.length} sub-agent run(s) kept apart from the main run, each replayed as its own run (${trajectory.source}#<id>)\n`);
  }

  if (options.json) {
    const trajectories = successes.map((o) => o.offline ?? { ...o.online!, task: o.trajectory.task });
    io.out(`${JSON.stringify({ mode: options.online ? 'online' : 'offline', trajectories, errors: failures.map(({ source, error }) => ({ source, error })) }, null, 2)}\n`);
  } else {
    const blocks = successes.map((o) => (o.offline ? renderOfflineReplay(o.offline) : renderOnlineReplay(o.online!, o.trajectory.task)));
    if (outcomes.length > 1) blocks.push(renderSummary(successes.map((o) => o.offline ?? o.online!), failures.length));
    if (blocks.length > 0) io.out(`${blocks.join('\n\n')}\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

/** The file's main run, then each sub-agent run as a run of its own. */
async function replayFile(file: string, options: ReplayCommandOptions): Promise<Outcome[]> {
  try {
    const runs = runsOf(await loadTrajectory(file, options.format));
    const outcomes: Outcome[] = [];
    for (const trajectory of runs) {
      if (!options.online) {
        outcomes.push({ ok: true, trajectory, offline: replayTrajectory(trajectory, { thresholds: options.thresholds, policy: options.policy }) });
      } else {
        outcomes.push({ ok: true, trajectory, online: await replayOnline(trajectory, sessionIdFor(trajectory.source), { ...options.online, ...(options.policy ? { policy: options.policy } : {}) }) });
      }
    }
    return outcomes;
  } catch (error) {
    if (error instanceof TrajectoryFormatError) return [{ ok: false, source: file, error: error.message }];
    // Anything else (an unreachable server, a rejected key) would fail every file the same way: stop.
    throw error;
  }
}
