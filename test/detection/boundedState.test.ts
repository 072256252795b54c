import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../../shared/detection/engine.ts';
import { MAX_KEPT_STRING_CHARS, MAX_MEMORY_BYTES, keptString } from '../../shared/detection/memory.ts';
import type { Step } from '../../shared/steps.ts';
import { storableJsonProblems } from '../../shared/storableJson.ts';
import { failingLoop } from '../support/steps.ts';

const session = { sessionId: 'ses_bounded', task: 'Fix the bug', constraints: [], policy: { forbiddenPaths: ['tests/**', '**/.env'] } };
const observe = (steps: readonly Step[], state = initialDetectionState()) => observeSteps(session, state, steps, { thresholds: DEFAULT_THRESHOLDS });
const stateBytes = (state: unknown) => Buffer.byteLength(JSON.stringify(state));

/** A call that creates eight files with paths of `chars` characters each (4-byte emoji). */
function createMany(index: number, chars: number): Step {
  const paths = Array.from({ length: 8 }, (_, i) => `src/${i}/${index}/`.padEnd(chars, '😀'));
  return { index, type: 'tool_call', toolName: 'bash', toolInput: { command: paths.map((path) => `echo x > ${path}`).join(' && ') } };
}

describe('detection state stays bounded whatever the steps hold (issue 8 item 2)', () => {
  it('two file creations with 120,000-character paths leave a small state, and a later loop is still nudged', () => {
    const huge = (i: number): Step => ({
      index: i, type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'create', path: `src/${i}${'a'.repeat(120_000)}`, file_text: 'x' },
    });
    const first = observe([huge(0), { index: 1, type: 'tool_result', content: 'File created' }, huge(2), { index: 3, type: 'tool_result', content: 'File created' }]);
    expect(stateBytes(first.state)).toBeLessThan(16 * 1024);
    const loop = observe(failingLoop(4, 4), first.state);
    expect(loop.interventions.map((i) => i.subtype)).toContain('repeated_failing_call');
  });

  it(`keeps the whole memory within ${MAX_MEMORY_BYTES} bytes when every step is built to be large`, () => {
    let state = initialDetectionState();
    for (let batch = 0; batch < 4; batch += 1) {
      state = observe(Array.from({ length: 20 }, (_, i) => createMany(batch * 20 + i, 2_000)), state).state;
      expect(stateBytes(state.memory)).toBeLessThanOrEqual(MAX_MEMORY_BYTES);
      // Only well-formed text: DynamoDB stores UTF-8, and a path cut inside an emoji would not be.
      expect(storableJsonProblems(state)).toEqual([]);
    }
    expect(state.memory.progress.createdPaths.length).toBeGreaterThan(0);
    expect(state.memory.recent.length).toBeGreaterThan(0);
  });

  it('shortens a long path to its head, a hash and its tail: policy globs on either end still match', () => {
    const edit = (index: number, path: string): Step => ({ index, type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'create', path, file_text: 'x' } });
    const forbidden = observe([edit(0, `tests/${'a'.repeat(200_000)}`), { index: 1, type: 'tool_result', content: 'ok' }, edit(2, `src/${'b'.repeat(200_000)}/.env`)]);
    expect(forbidden.interventions.filter((i) => i.subtype === 'constraint_violated')).toHaveLength(1);
    expect(forbidden.verdicts.filter((v) => v.subtype === 'constraint_violated').map((v) => v.stepIndex)).toEqual([0, 2]);

    const a = 'x'.repeat(5000);
    expect(keptString(a)).toHaveLength(MAX_KEPT_STRING_CHARS);
    expect(keptString(a)).toBe(keptString(a));
    expect(keptString(`${a}y`)).not.toBe(keptString(`${a}z`));
    expect(keptString('short')).toBe('short');
  });
});
