import { describe, expect, it } from 'vitest';
import { analyzeCall } from '../../shared/detection/calls.ts';
import { firings, sessionSpec, trajectory } from './helpers.ts';

const edits = (tool: string, input: unknown) => analyzeCall(tool, input).edits;
const PATCH = '*** Begin Patch\n*** Update File: src/app.py\n@@ def add(a, b):\n-    return a - b\n+    return a + b\n*** Add File: tests/test_add.py\n+def test_add():\n+    assert add(1, 2) == 3\n*** Delete File: old.py\n*** End Patch\n';

describe('reads and views are never edits', () => {
  it("OpenHands' `read` action (str_replace_editor with only a path, issue 9) and view/read verbs", () => {
    expect(edits('str_replace_editor', { path: '/workspace/src/app.py' })).toEqual([]);
    expect(edits('str_replace_editor', { path: '/workspace/src/app.py', view_range: [1, 40] })).toEqual([]);
    expect(edits('str_replace_editor', { command: 'view', path: 'src/app.py' })).toEqual([]);
    expect(edits('file_editor', { action: 'read', path: 'src/app.py' })).toEqual([]);
    expect(edits('Read', { file_path: '/repo/src/app.py' })).toEqual([]);
  });

  it('the same tools edit when they say so or carry new content', () => {
    expect(edits('str_replace_editor', { command: 'str_replace', path: 'src/app.py', old_str: 'a', new_str: 'b' })).toEqual([{ path: 'src/app.py', kind: 'modify' }]);
    expect(edits('str_replace_editor', { path: 'src/new.py', file_text: 'x = 1' })).toEqual([{ path: 'src/new.py', kind: 'modify' }]);
    expect(edits('Edit', { file_path: '/repo/src/app.py', old_string: 'a', new_string: 'b' })).toEqual([{ path: 'src/app.py', kind: 'modify' }]);
  });

  it('a session of reads then "Done." is not premature completion', () => {
    const t = trajectory().tool('str_replace_editor', { path: '/workspace/README.md' }, '# Project').say('Done.');
    expect(firings('premature_completion', t.steps)).toEqual([]);
  });
});

describe('apply_patch edits (Codex CLI, issue 10)', () => {
  const expected = [{ path: 'src/app.py', kind: 'modify' }, { path: 'tests/test_add.py', kind: 'create' }, { path: 'old.py', kind: 'delete' }];

  it('reads the file headers of the freeform tool, the argv form, a heredoc and an apply_patch_call operation', () => {
    expect(edits('apply_patch', { input: PATCH })).toEqual(expected);
    expect(edits('apply_patch', PATCH)).toEqual(expected);
    expect(edits('shell', { command: `apply_patch ${PATCH}` })).toEqual(expected);
    expect(edits('shell', { command: `apply_patch <<'EOF'\n${PATCH}EOF` })).toEqual(expected);
    expect(edits('apply_patch', { operation: { type: 'update_file', path: 'src/app.py', diff: '@@\n-a\n+b' } })).toEqual([{ path: 'src/app.py', kind: 'modify' }]);
    expect(edits('apply_patch', { input: '*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n*** End Patch' })).toEqual([{ path: 'a.py', kind: 'modify' }, { path: 'b.py', kind: 'create' }]);
  });

  it('a patch is not a program run, and printing one is not an edit', () => {
    expect(analyzeCall('shell', { command: `apply_patch ${PATCH}` })).toMatchObject({ isRun: false, isTestRun: false });
    expect(edits('shell', { command: 'cat notes/patch-format.md' })).toEqual([]);
  });

  it('constraint_violated and no_progress see apply_patch edits', () => {
    const session = sessionSpec({ policy: { forbiddenPaths: ['tests/**'] } });
    const t = trajectory().tool('apply_patch', { input: PATCH }, 'Success. Updated the following files:\nM src/app.py\nA tests/test_add.py\nD old.py');
    expect(firings('constraint_violated', t.steps, { session }).map((f) => f.step)).toEqual([0]);
    const reads = trajectory();
    for (let i = 0; i < 19; i += 1) reads.bash(`cat src/file${i}.py`, `x${i}`);
    reads.tool('apply_patch', { input: PATCH }, 'Success.');
    for (let i = 0; i < 19; i += 1) reads.bash(`cat src/file${i}.py`, `x${i}`);
    expect(firings('no_progress', reads.steps, { thresholds: { noProgressMinCalls: 20, noProgressStaleResults: 8 } })).toEqual([]);
  });
});
