import { DEFAULT_THRESHOLDS } from '../shared/detection/config.ts';
import { replayTrajectory } from '../shared/eval/replay.ts';
import type { Step } from '../shared/steps.ts';

/** What a load-run session does: work cleanly, or fall into one injected misbehavior on the way. */
export type SessionKind = 'clean' | 'failingLoop' | 'actionLoop';

export interface SessionPlan {
  kind: SessionKind;
  task: string;
  steps: Step[];
  /** Interventions the deterministic engine decides on these steps (shared/eval/replay.ts): one per episode. */
  expectedInterventions: number;
}

const TASK = 'Fix the failing import in app.py';

/**
 * `count` steps of an agent reading distinct files (nothing repeats, nothing fails), with one
 * misbehavior spliced in a third of the way through for the non-clean kinds: the same failing
 * command four times, or the same successful command with the same output four times.
 */
export function planSession(kind: SessionKind, count: number, seed: number): SessionPlan {
  const loopAt = kind === 'clean' ? Infinity : Math.floor(count / 3) & ~1;
  const steps = Array.from({ length: count }, (_, index): Step => {
    const inLoop = index >= loopAt && index < loopAt + 8;
    if (index === 0) return { index, type: 'user', content: TASK };
    if (inLoop && kind === 'failingLoop') {
      return index % 2 === 0
        ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: 'python app.py' } }
        : { index, type: 'tool_result', content: "ModuleNotFoundError: No module named 'requests'", exitCode: 1 };
    }
    if (inLoop && kind === 'actionLoop') {
      return index % 2 === 0
        ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: 'ls src' } }
        : { index, type: 'tool_result', content: 'app.py\nutil.py\n', exitCode: 0 };
    }
    return index % 2 === 1
      ? { index, type: 'tool_call', toolName: 'bash', toolInput: { command: `cat src/module_${seed}_${index}.py` } }
      : { index, type: 'tool_result', content: `def f_${index}():\n    return ${seed + index}\n`, exitCode: 0 };
  });
  const replayed = replayTrajectory({ source: `load-${seed}`, format: 'canonical', task: TASK, steps }, { thresholds: DEFAULT_THRESHOLDS });
  return { kind, task: TASK, steps, expectedInterventions: replayed.interventions.length };
}

/** Every `misbehavingEvery`-th session misbehaves, alternating the two kinds. */
export function planSessions(sessions: number, stepsPerSession: number, misbehavingEvery: number): SessionPlan[] {
  return Array.from({ length: sessions }, (_, i) => {
    const kind: SessionKind = i % misbehavingEvery !== 0 ? 'clean' : (i / misbehavingEvery) % 2 === 0 ? 'failingLoop' : 'actionLoop';
    return planSession(kind, stepsPerSession, i);
  });
}
