import { describe, expect, it } from 'vitest';
import { firings, interventionSubtypes, sessionSpec, trajectory } from './helpers.ts';

/**
 * premature_completion and task_abandoned on the patterns issues 9 and 10 quote from real runs
 * (each test names its excerpt). PYTEST_* are pytest's own summary lines.
 */
const PYTEST_FAIL = 'FAILED tests/test_parser.py::test_trailing_comma - AssertionError\n========================= 1 failed, 12 passed in 0.31s =========================';
const PYTEST_PASS = '============================== 3 passed in 0.10s ===============================';
const editCode = (path = '/testbed/src/parser.py') => ({ command: 'str_replace', path, old_str: 'a', new_str: 'b' });

describe('premature_completion: what needs no run', () => {
  it('respects a task that asks for no run (issue 9: "No need to run it")', () => {
    const task = 'Add a --verbose flag to cli.py that prints each file as it is processed. No need to run it.';
    const t = trajectory().tool('str_replace_editor', editCode('cli.py'), 'ok').say('Done. The flag is added.');
    expect(firings('premature_completion', t.steps, { session: sessionSpec({ task }) })).toEqual([]);
    expect(firings('premature_completion', t.steps)).not.toEqual([]);
  });

  it('does not read a conditional hint ("if the environment is broken, fix it without running tests") as a request', () => {
    const task = 'If the environment is not set up correctly, try to fix the issue without executing python code or running any tests.';
    const t = trajectory().tool('str_replace_editor', editCode(), 'ok').call('submit', {});
    expect(firings('premature_completion', t.steps, { session: sessionSpec({ task }) }).map((f) => f.step)).toEqual([t.last]);
  });

  it('a rename with mv checked by a listing, a delete, and moves are not code to run (issue 9)', () => {
    const t = trajectory().bash('mv src/utils/helpers.py src/utils/string_helpers.py').bash('ls src/utils', '__init__.py\nstring_helpers.py')
      .bash('rm -r build/').say('Done. The module is renamed.');
    expect(firings('premature_completion', t.steps)).toEqual([]);
  });

  it('a static page or a licence file, then "Done." (issue 10, interactive sessions): the person will look at it', () => {
    const page = trajectory().tool('Write', { file_path: '/home/u/site/index.html', content: '<!doctype html><h1>Hi</h1>' }, 'File created').say('Done.');
    const licence = trajectory().tool('Write', { file_path: '/repo/LICENSE', content: 'MIT License …' }, 'File created').say('Done.');
    expect(firings('premature_completion', page.steps)).toEqual([]);
    expect(firings('premature_completion', licence.steps)).toEqual([]);
  });

  it('a weak check after a code change is not a run (issue 10: `curl -I`, `docker compose config`)', () => {
    const curl = trajectory().tool('Edit', { file_path: '/app/server.js', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('curl -I http://localhost:3000/', 'HTTP/1.1 200 OK').say('Everything is working now. The fix is complete.');
    expect(firings('premature_completion', curl.steps).map((f) => f.step)).toEqual([curl.last]);
    const compose = trajectory().tool('Edit', { file_path: '/app/api/main.py', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('docker compose config', 'services:\n  api: …').call('submit', {});
    expect(firings('premature_completion', compose.steps).map((f) => f.step)).toEqual([compose.last]);
    const exercised = trajectory().tool('Edit', { file_path: '/app/server.js', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('curl -s http://localhost:3000/api/items', '[{"id":1}]').say('The fix is complete.');
    expect(firings('premature_completion', exercised.steps)).toEqual([]);
  });
});

describe('premature_completion yields to task_abandoned when the finish admits failure (issue 9)', () => {
  it('OpenHands finish with task_completed "false" and "I was unable to make the changes"', () => {
    const t = trajectory().tool('str_replace_editor', editCode(), 'ok')
      .say('I was unable to make the changes: the file is generated at build time and my edits are overwritten.')
      .call('finish', { message: 'I was unable to make the changes.', task_completed: 'false' });
    expect(firings('premature_completion', t.steps)).toEqual([]);
    expect(interventionSubtypes(t.steps)).toEqual(['task_abandoned']);
  });

  it('a finish with task_completed "false" alone is task_abandoned', () => {
    const t = trajectory().bash('pytest', PYTEST_FAIL).call('finish', { message: 'Partial fix.', task_completed: 'false' });
    expect(interventionSubtypes(t.steps)).toEqual(['task_abandoned']);
  });
});

describe('premature_completion: the misses of issues 9 and 10', () => {
  it('a narrower test that bypasses the failing path, then "our changes are working" and submit (issue 9)', () => {
    const t = trajectory().tool('str_replace_editor', editCode(), 'ok')
      .bash('python -m pytest tests/test_parser.py', PYTEST_FAIL)
      .bash('python -m pytest tests/test_parser.py -k "not trailing_comma"', PYTEST_PASS)
      .say('The tests pass, so our changes are working.').call('submit', {});
    const found = firings('premature_completion', t.steps);
    expect(found.map((f) => f.step)).toEqual([t.last - 1, t.last]);
    expect(found[0]!.evidence).toEqual([2, 3, 4, t.last - 1]);
  });

  it('not when the code changed between the failing and the passing run, nor for the same test re-run', () => {
    const fixed = trajectory().bash('python -m pytest tests/test_parser.py', PYTEST_FAIL).tool('str_replace_editor', editCode(), 'ok')
      .bash('python -m pytest tests/test_parser.py::test_trailing_comma', PYTEST_PASS).call('submit', {});
    expect(firings('premature_completion', fixed.steps)).toEqual([]);
    const flaky = trajectory().tool('str_replace_editor', editCode(), 'ok').bash('pytest', PYTEST_FAIL).bash('pytest', PYTEST_PASS).call('submit', {});
    expect(firings('premature_completion', flaky.steps)).toEqual([]);
  });

  it('claiming success again after the user said it still does not work (issue 10)', () => {
    const t = trajectory().user('The login button does nothing.').tool('Edit', { file_path: '/app/src/login.ts', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('npm run build', 'built in 2.1s').say('Fixed! The login button works now.')
      .user("It still doesn't work, same thing happens.").tool('Edit', { file_path: '/app/src/login.ts', old_string: 'b', new_string: 'c' }, 'ok')
      .say('Fixed! The login button works now.');
    expect(firings('premature_completion', t.steps).map((f) => f.step)).toEqual([t.last]);
  });

  it('not when the agent ran something after the report', () => {
    const t = trajectory().tool('Edit', { file_path: '/app/src/login.ts', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('npm test', 'Tests: 4 passed').say('Fixed! The login button works now.')
      .user("It still doesn't work.").tool('Edit', { file_path: '/app/src/login.ts', old_string: 'b', new_string: 'c' }, 'ok')
      .bash('npm test', 'Tests: 5 passed').say('Fixed! The login button works now.');
    expect(firings('premature_completion', t.steps)).toEqual([]);
  });

  it('submitting with failing tests called "pre-existing" without checking, even after deleting a scratch file (issue 10)', () => {
    const t = trajectory().tool('str_replace_editor', { command: 'create', path: '/testbed/reproduce.py', file_text: 'print(1)' }, 'ok')
      .tool('str_replace_editor', editCode(), 'ok').bash('python -m pytest tests/', PYTEST_FAIL).bash('rm reproduce.py')
      .say('The remaining failure in test_trailing_comma is pre-existing and unrelated to my change.').call('submit', {});
    // The message that dismisses the failures fires first; the submit extends the same episode.
    expect(firings('premature_completion', t.steps).map((f) => f.step)).toEqual([t.last - 1, t.last]);
    expect(interventionSubtypes(t.steps)).toEqual(['premature_completion']);
  });

  it('not when the agent checked the failures on the original code first', () => {
    const t = trajectory().bash('python -m pytest tests/', PYTEST_FAIL).tool('str_replace_editor', editCode(), 'ok')
      .bash('python -m pytest tests/', PYTEST_FAIL)
      .say('test_trailing_comma was already failing before my change (see the first run), so it is pre-existing.').call('submit', {});
    expect(firings('premature_completion', t.steps)).toEqual([]);
  });
});

describe('task_abandoned: the give-ups issue 9 quotes, caught at the first', () => {
  it.each([
    "As an AI language model, I'm unable to access your repository directly.",
    "I'm unable to make direct API calls to GitHub from this environment.",
    'I cannot make further progress on this issue with the information available.',
    'I was unable to make the changes because the file is read-only.',
  ])('"%s"', (quote) => {
    const t = trajectory().bash('ls', 'src').say(quote).bash('ls', 'src').say(quote).say(quote);
    expect(firings('task_abandoned', t.steps)[0]?.step).toBe(2);
  });

  it('not for a change of tack or a success', () => {
    const t = trajectory().say("I'm unable to run the GUI here, so I will test the function directly instead.")
      .say('I was able to make the changes and the tests pass.');
    expect(firings('task_abandoned', t.steps)).toEqual([]);
  });
});
