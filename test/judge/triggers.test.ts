import { describe, expect, it } from 'vitest';
import type { Match } from '../../shared/detection/types.ts';
import { JUDGE_DEFAULTS } from '../../shared/judge/config.ts';
import { initialJudgeState, type JudgeState } from '../../shared/judge/state.ts';
import { decideReview, isCompletionClaim, isEdit, type FlaggedMatch } from '../../shared/judge/triggers.ts';
import type { Step } from '../../shared/steps.ts';

const settings = { ...JUDGE_DEFAULTS, reviewEverySteps: 25, minStepsBetweenReviews: 5 };

const read = (index: number): Step => ({ index, type: 'tool_call', toolName: 'bash', toolInput: { command: `cat file${index}.py` } });
const output = (index: number): Step => ({ index, type: 'tool_result', content: 'x = 1', exitCode: 0 });
const edit = (index: number): Step => ({
  index,
  type: 'tool_call',
  toolName: 'str_replace_editor',
  toolInput: { command: 'str_replace', path: '/testbed/src/a.py', old_str: 'a', new_str: 'b' },
});
const claim = (index: number): Step => ({ index, type: 'assistant', content: 'I have fixed the bug and all tests pass.' });
const flag: FlaggedMatch = {
  key: 'ep_1',
  match: { subtype: 'no_progress', evidence: [3, 4, 5], facts: {} } satisfies Match,
};
const state = (over: Partial<JudgeState> = {}): JudgeState => ({ ...initialJudgeState(), ...over });

describe('decideReview', () => {
  it('asks for a review of flagged matches, covering up to the newest step', () => {
    const trigger = decideReview(settings, state(), { newSteps: [read(2), output(3)], flagged: [flag] });
    expect(trigger).toEqual({ reasons: ['flagged'], stepIndex: 3, flagged: [flag] });
  });

  it('triggers on an edit and on a completion claim', () => {
    expect(decideReview(settings, state(), { newSteps: [read(5), edit(6)] })?.reasons).toEqual(['edit']);
    expect(decideReview(settings, state(), { newSteps: [output(6), claim(7)] })?.reasons).toEqual(['completion_claim']);
  });

  it('stays quiet on plain exploration until every N steps', () => {
    expect(decideReview(settings, state(), { newSteps: [read(10), output(11)] })).toBeNull();
    expect(decideReview(settings, state({ lastReviewedStep: 0 }), { newSteps: [read(24), output(25)] })?.reasons).toEqual(['periodic']);
  });

  it('spaces edit and claim reviews by minStepsBetweenReviews, but not flagged ones', () => {
    const recent = state({ lastReviewedStep: 10 });
    expect(decideReview(settings, recent, { newSteps: [edit(12)] })).toBeNull();
    expect(decideReview(settings, recent, { newSteps: [edit(15)] })?.reasons).toEqual(['edit']);
    expect(decideReview(settings, recent, { newSteps: [edit(12)], flagged: [flag] })?.reasons).toEqual(['flagged']);
  });

  it('ignores steps already reviewed (redelivery)', () => {
    expect(decideReview(settings, state({ lastReviewedStep: 40 }), { newSteps: [edit(30), claim(40)] })).toBeNull();
  });

  it('never asks once the token budget or the call cap is spent', () => {
    const steps = { newSteps: [edit(60), claim(61)], flagged: [flag] };
    expect(decideReview(settings, state({ tokensUsed: settings.sessionTokenBudget }), steps)).toBeNull();
    expect(decideReview(settings, state({ calls: settings.maxCallsPerSession }), steps)).toBeNull();
    expect(decideReview(settings, state({ tokensUsed: settings.sessionTokenBudget - 1, calls: settings.maxCallsPerSession - 1 }), steps)).not.toBeNull();
  });
});

describe('isEdit', () => {
  it.each([
    ['an editor str_replace', edit(1)],
    ['a write tool naming a file', { index: 1, type: 'tool_call', toolName: 'write_file', toolInput: { file_path: 'a.ts', content: 'x' } }],
    ['a shell redirection', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'echo hi > notes.txt' } }],
    ['sed -i', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: "sed -i 's/a/b/' src/x.py" } }],
    ['rm', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'rm -rf build/' } }],
    ['git checkout --', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'git checkout -- src/x.py' } }],
  ] as Array<[string, Step]>)('sees %s', (_name, step) => {
    expect(isEdit(step)).toBe(true);
  });

  it.each([
    ['a view', { index: 1, type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'view', path: 'a.py' } }],
    ['a read', read(1)],
    ['stderr redirection only', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'pytest -q 2>&1' } }],
    ['a grep', { index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'grep -n "x" a.py' } }],
    ['a tool result', output(1)],
  ] as Array<[string, Step]>)('does not count %s', (_name, step) => {
    expect(isEdit(step)).toBe(false);
  });
});

describe('isCompletionClaim', () => {
  it('sees submit calls and "done" messages', () => {
    expect(isCompletionClaim({ index: 1, type: 'tool_call', toolName: 'submit' })).toBe(true);
    expect(isCompletionClaim({ index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'submit' } })).toBe(true);
    expect(isCompletionClaim(claim(1))).toBe(true);
    expect(isCompletionClaim({ index: 1, type: 'assistant', content: 'The implementation is now complete.' })).toBe(true);
  });

  it('does not read plans or questions as claims', () => {
    expect(isCompletionClaim({ index: 1, type: 'assistant', content: 'Let me run the tests to see whether they pass.' })).toBe(false);
    expect(isCompletionClaim({ index: 1, type: 'user', content: 'All tests pass on main.' })).toBe(false);
    expect(isCompletionClaim({ index: 1, type: 'tool_call', toolName: 'bash', toolInput: { command: 'git submit-helper --dry' } })).toBe(false);
  });
});
