import type { SessionPolicy, Step } from '../../shared/steps.ts';
import type { Subtype } from '../../shared/taxonomy.ts';
import { DEFAULT_THRESHOLDS, type DetectionThresholds } from '../../shared/detection/config.ts';
import { DETECTOR_BY_SUBTYPE } from '../../shared/detection/detectors/index.ts';
import { initialDetectionState, observeSteps, type Observation } from '../../shared/detection/engine.ts';
import type { SessionSpec } from '../../shared/detection/types.ts';

/** Builds a trajectory step by step with consecutive indexes. */
export class Trajectory {
  readonly steps: Step[] = [];

  private push(step: Omit<Step, 'index'>): this {
    this.steps.push({ index: this.steps.length, ...step } as Step);
    return this;
  }

  user(content: string): this {
    return this.push({ type: 'user', content });
  }

  say(content: string): this {
    return this.push({ type: 'assistant', content });
  }

  call(toolName: string, toolInput: Step['toolInput']): this {
    return this.push({ type: 'tool_call', toolName, toolInput });
  }

  result(content: string, extra: Pick<Step, 'exitCode' | 'isError'> = {}): this {
    return this.push({ type: 'tool_result', content, ...extra });
  }

  /** A shell call and its output; exitCode is given only when the agent reports one. */
  bash(command: string, output = '', exitCode?: number): this {
    return this.call('bash', { command }).result(output, exitCode === undefined ? {} : { exitCode });
  }

  tool(toolName: string, toolInput: Step['toolInput'], output = '', extra: Pick<Step, 'exitCode' | 'isError'> = {}): this {
    return this.call(toolName, toolInput).result(output, extra);
  }

  get last(): number {
    return this.steps.length - 1;
  }
}

export const trajectory = () => new Trajectory();

export function sessionSpec(overrides: { task?: string; policy?: SessionPolicy } = {}): SessionSpec {
  return { sessionId: 'sess-test', task: overrides.task ?? 'Fix the bug in src/app.py so that the tests pass.', constraints: [], policy: overrides.policy ?? {} };
}

interface RunOptions {
  session?: SessionSpec;
  thresholds?: Partial<DetectionThresholds>;
  only?: Subtype;
}

/** Observes the steps in one batch from a fresh state (optionally with one detector only). */
export function observe(steps: readonly Step[], options: RunOptions = {}): Observation {
  return observeSteps(options.session ?? sessionSpec(), initialDetectionState(), steps, {
    thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    ...(options.only ? { detectors: [DETECTOR_BY_SUBTYPE[options.only]] } : {}),
  });
}

/** The subtypes of the interventions the steps get, in order. */
export function interventionSubtypes(steps: readonly Step[], options: RunOptions = {}): Subtype[] {
  return observe(steps, options).interventions.map((i) => i.subtype);
}

/** The verdicts one detector alone gives, as [subtype, step] pairs. */
export function firings(subtype: Subtype, steps: readonly Step[], options: Omit<RunOptions, 'only'> = {}) {
  return observe(steps, { ...options, only: subtype }).verdicts.map((v) => ({ step: v.stepIndex, evidence: v.evidence }));
}
