import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps, type DetectionState, type Observation } from '../../shared/detection/engine.ts';
import type { Step } from '../../shared/steps.ts';
import { observe, sessionSpec, trajectory } from './helpers.ts';

const session = sessionSpec({ policy: { forbiddenCommands: ['git push'], forbiddenPaths: ['secrets/**'] } });
const options = { thresholds: DEFAULT_THRESHOLDS };

/** Feeds the steps batch by batch, persisting the state as JSON between batches like the pipeline does. */
function observeInBatches(steps: readonly Step[], cuts: readonly number[]): { state: DetectionState; parts: Observation[] } {
  let state = initialDetectionState();
  const parts: Observation[] = [];
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), steps.length];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const observation = observeSteps(session, state, steps.slice(bounds[i], bounds[i + 1]), options);
    parts.push(observation);
    state = JSON.parse(JSON.stringify(observation.state)) as DetectionState;
  }
  return { state, parts };
}

const concat = (parts: readonly Observation[]) => ({
  verdicts: parts.flatMap((p) => p.verdicts),
  opened: parts.flatMap((p) => p.opened),
  closed: parts.flatMap((p) => p.closed),
  interventions: parts.flatMap((p) => p.interventions),
});

/** Steps drawn from a vocabulary that makes every kind of detector fire now and then. */
const stepDraft = fc.oneof(
  fc.constantFrom(
    { type: 'assistant', content: 'Let me look at the code.' },
    { type: 'assistant', content: 'All tests pass. The task is complete.' },
    { type: 'assistant', content: 'I give up.' },
    { type: 'tool_call', toolName: 'bash', toolInput: { command: 'pytest -q' } },
    { type: 'tool_call', toolName: 'bash', toolInput: { command: 'vim src/app.py' } },
    { type: 'tool_call', toolName: 'bash', toolInput: { command: 'git push origin main' } },
    { type: 'tool_call', toolName: 'bash', toolInput: { command: 'cat src/missing.py' } },
    { type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'str_replace', path: 'src/missing.py', old_str: 'a', new_str: 'b' } },
    { type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'create', path: 'secrets/key.txt', file_text: 'x' } },
    { type: 'tool_call', toolName: 'submit', toolInput: {} },
    { type: 'tool_result', content: '=== 1 failed, 2 passed in 0.1s ===', exitCode: 1 },
    { type: 'tool_result', content: '=== 3 passed in 0.1s ===', exitCode: 0 },
    { type: 'tool_result', content: 'cat: src/missing.py: No such file or directory', exitCode: 1 },
    { type: 'tool_result', content: 'Command timed out after 60 seconds' },
    { type: 'tool_result', content: 'ok' },
  ),
  fc.nat(5).map((n) => ({ type: 'tool_call', toolName: 'bash', toolInput: { command: `cat f${n}.py` } })),
  fc.nat(3).map((n) => ({ type: 'tool_result', content: `line ${n}` })),
);
const stepsArb = fc.array(stepDraft, { minLength: 1, maxLength: 120 }).map((drafts) => drafts.map((draft, index) => ({ index, ...draft }) as Step));

describe('observeSteps is deterministic across batching and redelivery', () => {
  it('splitting the steps into batches at any points gives the same observation, concatenated', () => {
    fc.assert(
      fc.property(stepsArb, fc.array(fc.nat(120), { maxLength: 8 }), (steps, rawCuts) => {
        const whole = observeSteps(session, initialDetectionState(), steps, options);
        const { state, parts } = observeInBatches(steps, rawCuts.map((c) => c % (steps.length + 1)));
        expect(concat(parts)).toEqual(concat([whole]));
        expect(state).toEqual(JSON.parse(JSON.stringify(whole.state)));
      }),
      { numRuns: 150 },
    );
  });

  it('redelivering already-seen steps (alone or with new ones) changes nothing', () => {
    fc.assert(
      fc.property(stepsArb, fc.nat(), fc.nat(), (steps, a, b) => {
        const cut = a % (steps.length + 1);
        const replayFrom = b % (cut + 1);
        const first = observeSteps(session, initialDetectionState(), steps.slice(0, cut), options);
        const replayOnly = observeSteps(session, first.state, steps.slice(replayFrom, cut), options);
        expect(replayOnly).toEqual({ state: first.state, verdicts: [], opened: [], closed: [], interventions: [] });
        const replayAndRest = observeSteps(session, first.state, steps.slice(replayFrom), options);
        const whole = observeSteps(session, initialDetectionState(), steps, options);
        expect(concat([first, replayAndRest])).toEqual(concat([whole]));
      }),
      { numRuns: 150 },
    );
  });

  it('a batch delivered out of order is observed in index order; a late step below the watermark is ignored', () => {
    fc.assert(
      fc.property(stepsArb.chain((steps) => fc.tuple(fc.constant(steps), fc.shuffledSubarray(steps, { minLength: steps.length }))), ([steps, shuffled]) => {
        expect(observeSteps(session, initialDetectionState(), shuffled, options)).toEqual(observeSteps(session, initialDetectionState(), steps, options));
      }),
      { numRuns: 100 },
    );
    const t = trajectory().bash('ls', 'a').bash('vim a.py', '');
    const withoutFirst = observeSteps(session, initialDetectionState(), t.steps.slice(1), options);
    const late = observeSteps(session, withoutFirst.state, [t.steps[0]!], options);
    expect(late).toEqual({ state: withoutFirst.state, verdicts: [], opened: [], closed: [], interventions: [] });
  });

  it('episode ids depend on the session and the pattern, not on the batch that saw them', () => {
    const t = trajectory().bash('vim a.py', '').bash('ls', 'a');
    const ids = (steps: Step[]) => observe(steps, { session }).interventions.map((i) => i.episodeId);
    expect(ids(t.steps)).toEqual(ids(t.steps));
    const other = observeSteps({ ...session, sessionId: 'other' }, initialDetectionState(), t.steps, options).interventions[0]!.episodeId;
    expect(other).not.toBe(ids(t.steps)[0]);
  });
});

describe('the episode rule', () => {
  it('two identical vim calls a few steps apart are one episode with one intervention', () => {
    const t = trajectory().say('Let me edit the file.').bash('vim src/app.py', 'Vim: Warning: Output is not to a terminal')
      .say('That hung; trying again.').bash('vim src/app.py', 'Vim: Warning: Output is not to a terminal');
    const observation = observe(t.steps);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['interactive_command']);
    expect(observation.verdicts.map((v) => [v.stepIndex, v.episodeId])).toEqual([
      [1, observation.interventions[0]!.episodeId],
      [4, observation.interventions[0]!.episodeId],
    ]);
  });

  it('K (episodeGapSteps, default 5) decides: a repeat K or more steps after the last match is a new episode', () => {
    const t = trajectory().say('Let me edit the file.').bash('vim src/app.py', 'Vim: Warning: Output is not to a terminal')
      .say('That hung; let me look around.').bash('ls src', 'app.py').say('Edit again.').bash('vim src/app.py', 'Vim: Warning: Output is not to a terminal');
    expect(observe(t.steps).interventions).toHaveLength(2);
    const wider = observeSteps(session, initialDetectionState(), t.steps, { ...options, thresholds: { ...options.thresholds, episodeGapSteps: 10 } });
    expect(wider.interventions).toHaveLength(1);
  });

  it('the same command again after the episode closed is a new episode', () => {
    const t = trajectory().bash('vim a.py', '');
    for (let i = 0; i < 6; i += 1) t.bash(`cat f${i}.py`, `x${i}`);
    t.bash('vim a.py', '');
    const observation = observe(t.steps);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['interactive_command', 'interactive_command']);
    expect(observation.closed.map((e) => e.outcome)).toEqual(['resolved']);
  });

  it('a loop that stops soon after the intervention closes as resolved', () => {
    const t = trajectory();
    for (let i = 0; i < 4; i += 1) t.bash('curl localhost:8080', 'connection refused');
    for (let i = 0; i < 6; i += 1) t.bash(`cat f${i}.py`, `x${i}`);
    const observation = observe(t.steps);
    expect(observation.opened.map((e) => [e.subtype, e.openedAtStep])).toEqual([['action_loop', 7]]);
    expect(observation.closed).toHaveLength(1);
    expect(observation.closed[0]).toMatchObject({ subtype: 'action_loop', status: 'closed', lastMatchStep: 7, closedAtStep: 12, outcome: 'resolved' });
  });

  it('a loop that goes on past the resolution window closes as persisted', () => {
    const t = trajectory();
    for (let i = 0; i < 12; i += 1) t.bash('curl localhost:8080', 'connection refused');
    for (let i = 0; i < 6; i += 1) t.bash(`cat f${i}.py`, `x${i}`);
    const observation = observe(t.steps);
    expect(observation.interventions).toHaveLength(1);
    expect(observation.closed[0]).toMatchObject({ subtype: 'action_loop', openedAtStep: 7, lastMatchStep: 23, outcome: 'persisted' });
  });

  it('one stretch seen by two detectors is one episode under the most specific subtype', () => {
    const t = trajectory();
    for (let i = 0; i < 5; i += 1) t.bash('npm run build', 'error TS2304: Cannot find name x', 2);
    expect(observe(t.steps).interventions.map((i) => i.subtype)).toEqual(['repeated_failing_call']);
  });

  it('a tests-pass claim after a failing run with no edit is premature completion (the narrower reading wins)', () => {
    const t = trajectory().tool('str_replace_editor', { command: 'str_replace', path: 'a.py', old_str: 'a', new_str: 'b' }, 'ok')
      .bash('pytest', '=== 1 failed in 0.1s ===', 1).say('All tests pass. Done.');
    expect(observe(t.steps).interventions.map((i) => i.subtype)).toEqual(['premature_completion']);
  });
});

describe('detection state stays small', () => {
  it('stays bounded after thousands of steps', () => {
    const t = trajectory();
    for (let i = 0; i < 1500; i += 1) {
      t.say(`Step ${i}: looking at module ${i % 97} and its tests, then deciding what to change next.`)
        .bash(i % 5 === 0 ? 'pytest -q' : `grep -rn "def handler_${i}" src/ | head -50`, `src/mod_${i % 97}.py:${i}: def handler_${i}(event):\n`.repeat(20));
    }
    const state = observe(t.steps).state;
    const bytes = Buffer.byteLength(JSON.stringify(state));
    expect(t.steps.length).toBe(4500);
    expect(bytes).toBeLessThan(40_000);
  });

  it('accepts a state saved before progress counters existed', () => {
    const legacy = { nextIndex: 0, memory: { recent: [], actions: [] }, openEpisodes: [] } as unknown as DetectionState;
    const t = trajectory().bash('vim a.py', '');
    const observation = observeSteps(session, legacy, t.steps, options);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['interactive_command']);
    expect(observation.state.memory.progress.callsSinceEdit).toBe(1);
  });
});
