import type { SubRun, Trajectory } from '../adapters/types.ts';

/**
 * A sub-agent's run (Claude Code Task/Agent tool) as a trajectory of its own, so replay and eval
 * judge it apart from the parent: its own task (the sub-agent's prompt), its own steps, and a source
 * `<file>#<sub-run id>` that names it in output and in labels.
 */
export function subRunTrajectory(parent: Trajectory, subRun: SubRun): Trajectory {
  return {
    source: `${parent.source}#${subRun.id}`,
    format: parent.format,
    ...(subRun.task === undefined ? {} : { task: subRun.task }),
    steps: subRun.steps,
  };
}

/** The main run followed by each sub-run that has steps, each as its own trajectory. */
export function runsOf(trajectory: Trajectory): Trajectory[] {
  const subRuns = (trajectory.subRuns ?? []).filter((subRun) => subRun.steps.length > 0).map((subRun) => subRunTrajectory(trajectory, subRun));
  return [trajectory, ...subRuns];
}
