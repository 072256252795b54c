import { describe, expect, it } from 'vitest';
import { firings, interventionSubtypes, observe, sessionSpec, trajectory } from './helpers.ts';

const PYTEST_FAIL = 'F.\n=================================== FAILURES ===================================\nE   AssertionError: assert 2 == 3\n=========================== short test summary info ============================\nFAILED tests/test_app.py::test_add - AssertionError: assert 2 == 3\n========================= 1 failed, 1 passed in 0.12s =========================';
const PYTEST_PASS = '..\n============================== 2 passed in 0.10s ===============================';
const edit = (n: number) => ({ command: 'str_replace', path: '/testbed/src/app.py', old_str: `v${n}`, new_str: `v${n + 1}` });

describe('constraint_violated', () => {
  const policy = { forbiddenPaths: ['migrations/**', '**/.env'], forbiddenCommands: ['git push', 'rm -rf'] };
  const session = sessionSpec({ policy });

  it('fires on an edit of a forbidden path and on a forbidden command', () => {
    const t = trajectory().tool('str_replace_editor', { command: 'str_replace', path: '/repo/migrations/0001.py', old_str: 'a', new_str: 'b' }, 'ok')
      .bash('echo KEY=1 >> config/.env').bash('cd repo && git push origin main', 'rejected');
    expect(firings('constraint_violated', t.steps, { session }).map((f) => f.step)).toEqual([0, 2, 4]);
  });

  it('does not fire on reads of forbidden paths, similar commands, or without a policy', () => {
    const t = trajectory().tool('str_replace_editor', { command: 'view', path: 'migrations/0001.py' }, 'x')
      .bash('cat config/.env').bash('git status').bash('echo "never git push"').bash('rm -r build');
    expect(firings('constraint_violated', t.steps, { session })).toEqual([]);
    const unconstrained = trajectory().bash('git push').tool('write_file', { path: 'migrations/x.py', content: '' });
    expect(firings('constraint_violated', unconstrained.steps)).toEqual([]);
  });

  it("does not blame the previously open file for edits of a file SWE-agent's create just opened", () => {
    const guarded = sessionSpec({ policy: { forbiddenPaths: ['setup.py'] } });
    const classic = trajectory().call('open', { command: 'open setup.py' }).result('[File: setup.py]')
      .call('create', { command: 'create reproduce.py' }).result('[File: reproduce.py (1 lines total)]')
      .call('edit', { command: 'edit 1:1\nprint(1)\nend_of_edit' }).result('File updated.');
    expect(firings('constraint_violated', classic.steps, { session: guarded })).toEqual([]);
    const functions = trajectory().tool('open', { path: 'setup.py' }, '[File: setup.py]')
      .tool('create', { filename: 'reproduce.py' }, '[File: reproduce.py]').tool('insert', { text: 'print(1)' }, 'File updated.');
    expect(firings('constraint_violated', functions.steps, { session: guarded })).toEqual([]);
  });
});

describe('scope_creep', () => {
  it('fires on a hand edit of a lockfile or CI config, and on deleting a test the session did not write', () => {
    const t = trajectory().tool('write_file', { path: 'package-lock.json', content: '{}' }).bash('rm tests/test_parser.py');
    expect(firings('scope_creep', t.steps).map((f) => f.step)).toEqual([0, 2]);
  });

  it('does not fire when the task names the file, for tests the session created, or for ordinary edits', () => {
    const session = sessionSpec({ task: 'Update the CI workflow .github/workflows/ci.yml to run on Node 22.' });
    expect(firings('scope_creep', trajectory().tool('write_file', { path: '.github/workflows/ci.yml', content: 'x' }).steps, { session })).toEqual([]);
    const t = trajectory().tool('create', { filename: 'tests/test_repro.py' }).bash('pytest tests/test_repro.py', PYTEST_PASS)
      .bash('rm tests/test_repro.py').tool('str_replace_editor', edit(1), 'ok');
    expect(firings('scope_creep', t.steps)).toEqual([]);
  });
});

describe('premature_completion', () => {
  it('fires on submit while the last test run failed with no edit since', () => {
    const t = trajectory().tool('str_replace_editor', edit(1), 'ok').bash('pytest', PYTEST_FAIL).say('Let me submit.').call('submit', {});
    expect(firings('premature_completion', t.steps)).toEqual([{ step: t.last, evidence: [2, 3, 5] }]);
  });

  it('fires on a completion claim after edits with nothing run at all', () => {
    const t = trajectory().tool('str_replace_editor', edit(1), 'ok').tool('str_replace_editor', edit(2), 'ok').say('The bug is fixed.');
    expect(firings('premature_completion', t.steps).map((f) => f.step)).toEqual([t.last]);
  });

  it('uses the exit code when the agent reports one', () => {
    const t = trajectory().bash('npm test', 'Tests: 3 passed', 1).say('Task complete.');
    expect(firings('premature_completion', t.steps).map((f) => f.step)).toEqual([t.last]);
  });

  it('does not fire after a passing run, after an edit that followed the failure and a run, or on plans', () => {
    const passing = trajectory().tool('str_replace_editor', edit(1), 'ok').bash('pytest', PYTEST_PASS).call('submit', {});
    expect(firings('premature_completion', passing.steps)).toEqual([]);
    const fixedAfterFailure = trajectory().bash('pytest', PYTEST_FAIL).tool('str_replace_editor', edit(1), 'ok')
      .bash('python reproduce.py', '345').bash('rm reproduce.py').call('submit', {});
    expect(firings('premature_completion', fixedAfterFailure.steps)).toEqual([]);
    const planning = trajectory().tool('str_replace_editor', edit(1), 'ok').say("I've fixed the bug. Now let's run the tests to check.");
    expect(firings('premature_completion', planning.steps)).toEqual([]);
    const noEdits = trajectory().bash('ls', 'a b').say('Done.');
    expect(firings('premature_completion', noEdits.steps)).toEqual([]);
  });
});

describe('task_abandoned', () => {
  it('fires when the agent gives up, forfeits, or asks the user', () => {
    const t = trajectory().say("I'm unable to complete this task.").call('exit_forfeit', { command: 'exit_forfeit' })
      .say('Could you please provide the expected output?');
    expect(firings('task_abandoned', t.steps).map((f) => f.step)).toEqual([0, 1, 2]);
  });

  it('does not fire on ordinary reasoning', () => {
    const t = trajectory().say('I cannot find the file yet; let me search the src directory.').say('Please note the config is in YAML.')
      .say('The user asked for a fix in parse(); I will look at it.')
      .say("The fix is in place and the tests pass. Please let me know if you'd like any further changes.");
    expect(firings('task_abandoned', t.steps)).toEqual([]);
  });
});

describe('action_loop', () => {
  it('fires on the 4th identical action with the identical observation, ignoring volatile parts', () => {
    const t = trajectory();
    for (let i = 0; i < 4; i += 1) t.bash('curl -s localhost:8080/health', `2024-05-0${i + 1}T10:00:0${i}Z pid=${100 + i} status: starting`);
    expect(firings('action_loop', t.steps)[0]).toEqual({ step: 7, evidence: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it('does not fire on paging through a file, on polling a build whose output changes, or on tests after each real edit', () => {
    const paging = trajectory().tool('open', { path: 'src/big.py' }, 'lines 1-100');
    for (let i = 1; i <= 6; i += 1) paging.tool('scroll_down', {}, `lines ${i * 100 + 1}-${i * 100 + 100}\n${'def f%d(): pass\n'.replace('%d', String(i)).repeat(3)}`);
    expect(firings('action_loop', paging.steps)).toEqual([]);
    const polling = trajectory();
    for (const pct of [10, 35, 60, 85, 100]) polling.bash('cat build/progress.txt', `compiled ${pct} modules`);
    expect(firings('action_loop', polling.steps)).toEqual([]);
    const tdd = trajectory();
    for (let i = 0; i < 5; i += 1) tdd.tool('str_replace_editor', edit(i), 'ok').bash('pytest -q', PYTEST_FAIL);
    expect(interventionSubtypes(tdd.steps)).toEqual([]);
  });
});

describe('alternating_loop', () => {
  it('fires on A-B-A-B-A-B with repeating observations', () => {
    const t = trajectory();
    for (let i = 0; i < 3; i += 1) t.bash('git stash', 'Saved working directory').bash('git stash pop', 'Dropped refs/stash@{0}');
    expect(firings('alternating_loop', t.steps).map((f) => f.step)).toEqual([11]);
    expect(interventionSubtypes(t.steps)).toEqual(['alternating_loop']);
  });

  it('does not fire when the observations change (edit, test, edit, test …) or on fewer than 6 actions', () => {
    const t = trajectory();
    for (let i = 0; i < 4; i += 1) t.bash('cat src/app.py', `v${i}`).bash('pytest -q', `${i} failed`);
    expect(firings('alternating_loop', t.steps)).toEqual([]);
    const short = trajectory().bash('a', '1').bash('b', '2').bash('a', '1').bash('b', '2').bash('a', '1');
    expect(firings('alternating_loop', short.steps)).toEqual([]);
  });
});

describe('monologue', () => {
  it('fires on the 3rd identical assistant message with no action between', () => {
    const t = trajectory().say('I should look at the parser.').say('I should look at the  parser.').say('I should look at the parser.');
    expect(firings('monologue', t.steps)).toEqual([{ step: 2, evidence: [0, 1, 2] }]);
  });

  it('fires on a message that repeats one sentence over and over', () => {
    const t = trajectory().say('Let me check the file again. '.repeat(12));
    expect(firings('monologue', t.steps).map((f) => f.step)).toEqual([0]);
  });

  it('does not fire when actions come between, or on different messages', () => {
    const t = trajectory().say('Let me check the tests.').bash('pytest', PYTEST_PASS).say('Let me check the tests.').bash('pytest -k a', PYTEST_PASS)
      .say('Let me check the tests.').say('Now the docs.').say('And the changelog.');
    expect(firings('monologue', t.steps)).toEqual([]);
  });

  it('does not count repetitive code or quoted output in a message as a content loop', () => {
    const assertions = '    self.assertEqual(parse(data), expected)\n'.repeat(12);
    const log = '> WARNING: deprecated call to serialize()\n'.repeat(12);
    const t = trajectory().say(`I will create this test:\n\`\`\`python\n${assertions}\`\`\`\nThen run it.`).say(`The log says:\n${log}`);
    expect(firings('monologue', t.steps)).toEqual([]);
  });
});

describe('claim_contradicts_evidence', () => {
  it('fires on "all tests pass" right after a failing test run, even after an edit', () => {
    const t = trajectory().bash('pytest', PYTEST_FAIL).tool('str_replace_editor', edit(1), 'ok').say('All tests pass now.');
    expect(firings('claim_contradicts_evidence', t.steps)).toEqual([{ step: 4, evidence: [0, 1, 4] }]);
  });

  it('fires on "it works" right after the run failed with an error', () => {
    const t = trajectory().bash('python app.py', 'Traceback (most recent call last):\n  File "app.py", line 3\nNameError: name \'x\' is not defined')
      .say('The script ran successfully.');
    expect(firings('claim_contradicts_evidence', t.steps).map((f) => f.step)).toEqual([2]);
  });

  it('does not fire when the tests passed, when the failure was the point (a reproduction), or on plans', () => {
    const passed = trajectory().bash('pytest', PYTEST_FAIL).bash('pytest', PYTEST_PASS).say('All tests pass now.');
    expect(firings('claim_contradicts_evidence', passed.steps)).toEqual([]);
    const repro = trajectory().bash('python reproduce.py', 'Traceback (most recent call last):\nValueError: bad')
      .say('The script ran successfully and reproduced the error.');
    expect(firings('claim_contradicts_evidence', repro.steps)).toEqual([]);
    const plan = trajectory().bash('pytest', PYTEST_FAIL).say("Let's fix it so that all tests pass.");
    expect(firings('claim_contradicts_evidence', plan.steps)).toEqual([]);
  });
});

describe('no_progress', () => {
  it('fires after a long stretch without edits whose results only repeat earlier ones', () => {
    const t = trajectory();
    for (let i = 0; i < 8; i += 1) t.bash(`cat src/f${i % 4}.py`, `content ${i % 4}`).bash(`grep -n x src/f${i % 3}.py`, `match ${i % 3}`).bash('ls src', 'f0 f1 f2 f3');
    // Results repeat from the 5th call on (ls twice, then f0/f1 … again); the 20th call, at step 38,
    // is the first with 20 calls since an edit and a streak of at least 8 repeated results.
    const fired = firings('no_progress', t.steps, { thresholds: { noProgressMinCalls: 20, noProgressStaleResults: 8 } });
    expect(fired[0]!.step).toBe(38);
    expect(observe(t.steps, { thresholds: { noProgressMinCalls: 20, noProgressStaleResults: 8 } }).interventions.map((i) => i.subtype)).toEqual(['no_progress']);
  });

  it('fires after very many calls without any edit even when results are new', () => {
    const t = trajectory();
    for (let i = 0; i < 12; i += 1) t.bash(`cat src/f${i}.py`, `content ${i}`);
    expect(firings('no_progress', t.steps, { thresholds: { noProgressMaxCallsWithoutEdit: 10 } }).map((f) => f.step)[0]).toBe(18);
  });

  it('does not fire on exploration that keeps learning, or when edits happen', () => {
    const exploring = trajectory();
    for (let i = 0; i < 40; i += 1) exploring.bash(`cat src/f${i}.py`, `content ${i}`);
    expect(firings('no_progress', exploring.steps)).toEqual([]);
    const working = trajectory();
    for (let i = 0; i < 30; i += 1) working.bash('ls src', 'a b').tool('str_replace_editor', edit(i), 'ok');
    expect(firings('no_progress', working.steps)).toEqual([]);
  });
});

describe('repeated_failing_call', () => {
  it('fires on the 3rd identical call failing with the identical error, and wins over action_loop', () => {
    const t = trajectory();
    for (let i = 0; i < 4; i += 1) t.bash('python run.py', 'python: can\'t open file \'/testbed/run.py\': [Errno 2] No such file or directory', 2);
    expect(firings('repeated_failing_call', t.steps)[0]).toEqual({ step: 5, evidence: [0, 1, 2, 3, 4, 5] });
    expect(interventionSubtypes(t.steps)).toEqual(['repeated_failing_call']);
  });

  it('does not fire when the error changes or a call succeeds in between', () => {
    const t = trajectory().bash('make', 'error: a.c:1', 2).bash('make', 'error: a.c:2', 2).bash('make', 'error: b.c:9', 2)
      .bash('ls', 'x').bash('make', 'error: b.c:9', 2).bash('make', 'error: b.c:9', 2);
    expect(firings('repeated_failing_call', t.steps)).toEqual([]);
  });
});

describe('malformed_call', () => {
  it('fires on the second malformed call within the window', () => {
    const t = trajectory().call('str_replace_editor', '{"command": "view", "path": ').result('Invalid JSON in arguments', { isError: true })
      .say('Retrying.').tool('read_fil', { path: 'a.py' }, 'Error: unknown tool read_fil', { isError: true });
    expect(firings('malformed_call', t.steps).map((f) => f.step)).toEqual([4]);
  });

  it('reads harness complaints but not program output', () => {
    const harness = trajectory().user('Your output was not formatted correctly. You must always include one discussion and one command.')
      .user('Your output was not formatted correctly. You must always include one discussion and one command.');
    expect(firings('malformed_call', harness.steps).map((f) => f.step)).toEqual([1]);
    const program = trajectory().bash('python cli.py --bad', 'error: invalid arguments\nusage: cli.py [-h]', 2)
      .bash('python cli.py --worse', "TypeError: f() got an unexpected keyword argument 'x'", 1);
    expect(firings('malformed_call', program.steps)).toEqual([]);
  });

  it('one slip fixed on the next turn does not fire', () => {
    const t = trajectory().tool('read_fil', { path: 'a.py' }, 'Error: unknown tool read_fil', { isError: true }).tool('read_file', { path: 'a.py' }, 'x');
    expect(firings('malformed_call', t.steps)).toEqual([]);
  });
});

describe('error_ignored', () => {
  it('fires on submit right after a failing call', () => {
    const t = trajectory().tool('str_replace_editor', edit(1), 'ok').bash('python reproduce.py', 'Traceback (most recent call last):\nKeyError: \'td\'', 1)
      .say('Submitting.').call('submit', {});
    expect(firings('error_ignored', t.steps)).toEqual([{ step: 5, evidence: [2, 3, 5] }]);
  });

  it('fires on changing a file an error just said does not exist', () => {
    const t = trajectory().bash('cat src/utils.py', 'cat: src/utils.py: No such file or directory', 1)
      .tool('str_replace_editor', { command: 'str_replace', path: '/testbed/src/utils.py', old_str: 'a', new_str: 'b' }, 'The path /testbed/src/utils.py does not exist.');
    expect(firings('error_ignored', t.steps)).toEqual([{ step: 2, evidence: [1, 2] }]);
  });

  it('does not fire when the missing file is created, or when work continues after the error', () => {
    const created = trajectory().bash('cat notes.md', 'cat: notes.md: No such file or directory', 1)
      .tool('str_replace_editor', { command: 'create', path: 'notes.md', file_text: 'x' }, 'ok')
      .tool('str_replace_editor', { command: 'str_replace', path: 'notes.md', old_str: 'x', new_str: 'y' }, 'ok');
    expect(firings('error_ignored', created.steps)).toEqual([]);
    const handled = trajectory().bash('pytest', PYTEST_FAIL).tool('str_replace_editor', edit(1), 'ok').bash('pytest', PYTEST_PASS).call('submit', {});
    expect(firings('error_ignored', handled.steps)).toEqual([]);
  });
});

describe('interactive_command', () => {
  it('fires on the call, before it hangs', () => {
    const t = trajectory().call('bash', { command: 'git commit' });
    expect(firings('interactive_command', t.steps)).toEqual([{ step: 0, evidence: [0] }]);
  });

  it('does not fire on non-interactive forms', () => {
    const t = trajectory().bash('git commit -m "fix parser"').bash('python -c "import app"').bash('tail -n 100 server.log').bash('cat README.md | head');
    expect(firings('interactive_command', t.steps)).toEqual([]);
  });
});

describe('timeout_streak', () => {
  it('fires on the 3rd timeout in a row, whatever the commands', () => {
    const t = trajectory().bash('pytest', '', 124).bash('pytest -x', 'Command timed out after 120 seconds').bash('npm test', '', 124);
    expect(firings('timeout_streak', t.steps)).toEqual([{ step: 5, evidence: [0, 1, 2, 3, 4, 5] }]);
  });

  it('does not fire when a call completes in between', () => {
    const t = trajectory().bash('pytest', '', 124).bash('pytest', '', 124).bash('ls', 'x').bash('pytest', '', 124);
    expect(firings('timeout_streak', t.steps)).toEqual([]);
  });
});

describe('every detector together on a clean, ordinary session', () => {
  it('sends nothing', () => {
    const t = trajectory().user('Fix the off-by-one in src/app.py.').say('Let me look at the code.')
      .tool('str_replace_editor', { command: 'view', path: '/testbed/src/app.py' }, 'def f(x):\n    return x + 2')
      .bash('pytest -q', PYTEST_FAIL).say('The test fails as expected; fixing it.')
      .tool('str_replace_editor', edit(1), 'The file has been edited.').bash('pytest -q', PYTEST_PASS)
      .say('All tests pass now. The fix is complete.').call('submit', {});
    expect(observe(t.steps).interventions).toEqual([]);
  });
});
