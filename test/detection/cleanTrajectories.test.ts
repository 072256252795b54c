import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTrajectory } from '../../shared/adapters/index.ts';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../../shared/detection/engine.ts';
import type { Subtype } from '../../shared/taxonomy.ts';

/**
 * SWE-agent's published demonstration runs (copied into test/fixtures/swe-agent-demos from ../shared, MIT): all submitted, most
 * of them clean work. They are the baseline for false interventions.
 *
 * The bound: at most one intervention per run, and only where reading the trajectory shows a real
 * misbehavior. One run has one: in ctf__crypto__eps the agent submits the same wrong flag four
 * times in a row ("Wrong flag!" each time) before trying the quoted form — an action loop a nudge
 * would have cut short. Every other run gets nothing.
 */
const DIR = fileURLToPath(new URL('../fixtures/swe-agent-demos/', import.meta.url));
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.traj')).sort();
const REAL_MISBEHAVIOR: Record<string, Subtype[]> = { 'ctf__crypto__eps.traj': ['action_loop'] };

async function interventionsFor(file: string) {
  const trajectory = await loadTrajectory(`${DIR}${file}`);
  const session = { sessionId: file, task: trajectory.task ?? '', constraints: [], policy: {} };
  const observation = observeSteps(session, initialDetectionState(), trajectory.steps, { thresholds: DEFAULT_THRESHOLDS });
  return { steps: trajectory.steps.length, subtypes: observation.interventions.map((i) => i.subtype) };
}

describe('interventions on the SWE-agent demonstration runs', () => {
  it('finds the runs', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(19);
  });

  it.each(FILES)('%s gets at most one intervention, and only for a real misbehavior', async (file) => {
    const { steps, subtypes } = await interventionsFor(file);
    expect(steps).toBeGreaterThan(0);
    expect(subtypes.length).toBeLessThanOrEqual(1);
    expect(subtypes).toEqual(REAL_MISBEHAVIOR[file] ?? []);
  });
});
