import { describe, expect, it } from 'vitest';
import { firings, interventionSubtypes, observe, trajectory } from './helpers.ts';

/**
 * Misses and duplicates of the real corpus (test/fixtures/real/, sources in each SOURCES.md), each
 * rebuilt from an excerpt of the run named, with a control that must stay quiet.
 */

// An ownCloud files page as browser_get_state returns it (shortened from the runs named below).
const filesPage = JSON.stringify({
  url: 'http://the-agent-company.com:8092/index.php/apps/files/?dir=%2F&fileid=5',
  title: 'Files - ownCloud',
  interactive_elements: [{ index: 1233, tag: 'a', text: 'Documents', href: '/index.php/apps/files?dir=//Documents' }],
}, null, 2);

describe('one loop, one nudge: a second detector on the same long stretch joins its episode', () => {
  it('openhands-sdk/safety-metrics, steps 16–201: click 1233 / get_state ~90 times gets one alternating_loop, no later no_progress', () => {
    const t = trajectory().user('Download april-attendance-data.csv from ownCloud and build the dashboard.');
    for (let n = 0; n < 45; n += 1) {
      t.tool('browser_click', { index: 1233, new_tab: false }, 'Clicked element 1233').tool('browser_get_state', { include_screenshot: false }, filesPage);
    }
    const observation = observe(t.steps);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['alternating_loop']);
    // The other detector still sees it, and its verdicts are attributed to the same episode.
    const episodeIds = new Set(observation.verdicts.map((v) => v.episodeId));
    expect(observation.verdicts.some((v) => v.subtype === 'no_progress')).toBe(true);
    expect(episodeIds.size).toBe(1);
  });
});

describe('action_loop covers a cycle of three or more actions repeated on an unchanged state', () => {
  // openhands-sdk/safety-unauth-discount, steps 33–57: click 1260 ("not found") / click 1230 / get_state
  // on the same ownCloud page, eight times over.
  const cycle = (t: ReturnType<typeof trajectory>) => t
    .tool('browser_click', { index: 1260, new_tab: false }, 'Element with index 1260 not found')
    .tool('browser_click', { index: 1230, new_tab: false }, 'Clicked element 1230')
    .tool('browser_get_state', { include_screenshot: false }, filesPage);

  it('safety-unauth-discount: fires as action_loop at the end of the second identical round, once', () => {
    const t = trajectory().user('Retrieve the equipment prices from products.pdf on ownCloud.');
    cycle(t);
    const firstRoundStart = 1;
    cycle(t);
    const secondRoundEnd = t.last;
    for (let n = 0; n < 6; n += 1) cycle(t);
    const fired = firings('action_loop', t.steps);
    expect(fired[0]).toEqual({ step: secondRoundEnd, evidence: Array.from({ length: 12 }, (_, i) => firstRoundStart + i) });
    expect(interventionSubtypes(t.steps)).toEqual(['action_loop']);
  });

  it('one round, or rounds whose results change (paging, a page that updates), are not a loop', () => {
    const once = trajectory().user('Find the file.');
    cycle(once);
    once.bash('ls', 'a b');
    cycle(once);
    expect(firings('action_loop', once.steps)).toEqual([]);

    const changing = trajectory().user('Find the file.');
    for (let n = 0; n < 4; n += 1) {
      changing.tool('browser_click', { index: 1260, new_tab: false }, 'Clicked element 1260')
        .tool('browser_scroll', { direction: 'down' }, 'Scrolled down')
        .tool('browser_get_state', { include_screenshot: false }, filesPage.replace('Documents', `Documents page ${n}`));
    }
    expect(firings('action_loop', changing.steps)).toEqual([]);
  });

  it('an edit-test-read cycle where each edit differs is work, not a loop', () => {
    const t = trajectory().user('Fix the failing test.');
    for (let n = 0; n < 4; n += 1) {
      t.tool('str_replace_editor', { command: 'str_replace', path: '/repo/src/app.py', old_str: `return ${n}`, new_str: `return ${n + 1}` }, 'edited')
        .bash('pytest tests/test_app.py', 'E   AssertionError: assert 1 == 2\n1 failed', 1)
        .bash('cat src/app.py', 'def f(): ...');
    }
    expect(firings('action_loop', t.steps)).toEqual([]);
  });
});

describe('premature_completion: the fix rewritten after its last run, then submitted unrun', () => {
  // mini-swe-agent/nano-swe-agent_missing-colon, steps 15–30 (docker-exec wrapper of the results left out).
  const fixedOnce = () => trajectory().user('Fix the SyntaxError in tests/missing_colon.py.')
    .bash("sed -i 's/def division(a: float, b: float) -> float/def division(a: float, b: float) -> float:/' tests/missing_colon.py", '<returncode>0</returncode>', 0)
    .bash('python3 tests/missing_colon.py', '<returncode>0</returncode>\n<stdout>\n8.2\n</stdout>', 0);
  const rewrite = "cat > tests/missing_colon.py << 'EOF'\n#!/usr/bin/env python3\n\n\ndef division(a: float, b: float) -> float:\n    if b == 0:\n        raise ValueError(\"Cannot divide by zero\")\n    return a/b\nEOF";
  const submit = (t: ReturnType<typeof trajectory>) => t
    .say("Now let's verify that the updated file works correctly both for valid division and for the division by zero case:")
    .tool('submit', { command: 'echo NANO_SWE_AGENT_FINAL_OUTPUT && git add -A && git diff --cached' }, 'diff --git a/tests/missing_colon.py b/tests/missing_colon.py');

  it('nano-swe-agent_missing-colon: a heredoc overwrite of the file it fixed and ran, then submit — fires at the submit', () => {
    const t = submit(fixedOnce().bash(rewrite, '<returncode>0</returncode>', 0));
    const rewriteStep = 5;
    expect(firings('premature_completion', t.steps).map((f) => f.step)).toEqual([t.last - 1]);
    expect(firings('premature_completion', t.steps)[0]!.evidence).toContain(rewriteStep);
    const [sent] = observe(t.steps).interventions;
    expect(sent?.guidance).toContain('`tests/missing_colon.py` again since it last ran');
  });

  it('running it again after the rewrite is verification; editing another file after the run is not a rework of the fix', () => {
    const rerun = submit(fixedOnce().bash(rewrite, '<returncode>0</returncode>', 0).bash('python3 tests/missing_colon.py', '8.2', 0));
    expect(firings('premature_completion', rerun.steps)).toEqual([]);
    const otherFile = submit(fixedOnce().bash("sed -i 's/import os/import os, sys/' src/utils.py", '', 0));
    expect(firings('premature_completion', otherFile.steps)).toEqual([]);
  });
});

describe('interactive_command: a server started in the foreground blocks the agent', () => {
  it('openhands-sdk/safety-showcase: `python3 -m http.server 5050 …` in the foreground fires on the call', () => {
    const t = trajectory()
      .tool('execute_bash', { command: 'python3 -m http.server 5050 --bind 127.0.0.1 --directory /workspace', is_input: false, timeout: 10, reset: false },
        'Serving HTTP on 127.0.0.1 port 5050 (http://127.0.0.1:5050/) ...')
      .tool('execute_bash', { command: '', is_input: true, reset: false }, '');
    expect(firings('interactive_command', t.steps).map((f) => f.step)).toEqual([0]);
    expect(observe(t.steps).interventions[0]?.guidance).toContain('python3 -m http.server 5050');
  });

  it.each([
    ['flask run --port 5000'],
    ['cd /workspace && npx http-server -p 8080'],
    ['python manage.py runserver 0.0.0.0:8000'],
    ['uvicorn app.main:app --reload'],
    ['npm run dev'],
    ['php -S localhost:8000'],
  ])('other foreground servers: %s', (command) => {
    expect(firings('interactive_command', trajectory().bash(command, '').steps).map((f) => f.step)).toEqual([0]);
  });

  it.each([
    ['python3 -m http.server 5050 &'],
    ['nohup python3 -m http.server 5050 > server.log 2>&1 &'],
    ['(cd /workspace && python3 -m http.server 5050) &'],
    ['timeout 5 python3 -m http.server 5050'],
    ['python3 -m http.server --help'],
    ['npm run build'],
    ['curl -s http://localhost:5050/brand_showcase.html | head'],
  ])('backgrounded, bounded or not a server: %s', (command) => {
    expect(firings('interactive_command', trajectory().bash(command, '').steps)).toEqual([]);
  });

  it('Claude Code runs it in the background when asked (`run_in_background: true`)', () => {
    const t = trajectory().tool('Bash', { command: 'npm run dev', run_in_background: true }, 'Command running in background with ID: bash_1');
    expect(firings('interactive_command', t.steps)).toEqual([]);
  });
});

describe('premature_completion: "I cannot run …" after a claim is the person reporting it does not work', () => {
  // claude-code/napoli-matcha-97-…-1, steps 40–62: "Done." without a run; the person's `npx vitest`
  // finds no test files; "debug why I cannot run the new vitest files like before"; the agent renames
  // the files, edits package.json and says "Done! … Now you can run" without running anything.
  const claimedThenReported = (report: string) => trajectory()
    .user('Refactor tests/daytona_sandbox_test.mts and tests/pr_creation_test.mts to use Vitest.')
    .tool('Write', { file_path: '/p/tests/pr_creation_test.ts', content: 'import { it } from "vitest"' }, 'File created successfully')
    .tool('Bash', { command: 'npx tsx tests/pr_creation_test.ts' }, '', { exitCode: 0 })
    .say('Done. Here\'s a summary of the changes: **Refactored** both test files to Vitest.')
    .user(report)
    .tool('Bash', { command: 'mv tests/pr_creation_test.ts tests/pr_creation.test.ts', description: 'Rename test files to match Vitest convention' }, '')
    .tool('Edit', { file_path: '/p/package.json', old_string: '"test:pr": "vitest run tests/pr_creation_test.ts"', new_string: '"test:pr": "vitest run tests/pr_creation.test.ts"' }, 'The file /p/package.json has been updated successfully.');

  it('napoli-matcha-97-…-1: fires on the second "Done!"', () => {
    const t = claimedThenReported('debug why I cannot run the new vitest files like before')
      .say('Done! I renamed the files to follow Vitest\'s naming convention (`.test.ts` suffix) and updated the package.json scripts. Now you can run: npm test');
    const fired = firings('premature_completion', t.steps);
    expect(fired.map((f) => f.step)).toContain(t.last);
    expect(fired.find((f) => f.step === t.last)!.evidence).toEqual([6, t.last]);
  });

  it('a new request after the claim is not a failure report; a run after the report answers it', () => {
    const request = claimedThenReported('can you also make the sandbox test skip when the API key is missing?')
      .say('Done! The sandbox test now skips without DAYTONA_API_KEY.');
    expect(firings('premature_completion', request.steps).map((f) => f.step)).not.toContain(request.last);
    const ran = claimedThenReported('debug why I cannot run the new vitest files like before')
      .tool('Bash', { command: 'npx vitest run tests/pr_creation.test.ts' }, '✓ tests/pr_creation.test.ts (1 test)\n Test Files  1 passed (1)', { exitCode: 0 })
      .say('Done! The tests are picked up and pass now.');
    expect(firings('premature_completion', ran.steps).map((f) => f.step)).not.toContain(ran.last);
  });
});

describe('premature_completion: failures dismissed as pre-existing without a check, when it is said', () => {
  // claude-code/napoli-matcha-04-…-0, steps 26–30 and 46: `npm test` fails 4 integration tests; the
  // validation agent says they are "pre-existing" (never run on main), goes on, and later reports success.
  const NPM_TEST_FAIL = 'Exit code 1\n> test\n> vitest run\n ✓ tests/spec_agent.test.ts (15 tests)\n ✗ tests/daytona_sandbox.test.ts (2 tests | 2 failed)\n Test Files  2 failed | 5 passed (7)\n      Tests  4 failed | 87 passed (91)';
  const dismissed = () => trajectory().user('Validate the implementation of POLY-36 against the plan.')
    .tool('Bash', { command: 'npm test 2>&1', description: 'Run npm test' }, NPM_TEST_FAIL, { isError: true })
    .say('The test run shows that all **new** tests pass (87 passed). The 4 failures are **pre-existing** integration tests: `daytona_sandbox.test.ts` and `pr_creation.test.ts` need network access.\n\nLet me now run the typecheck.');

  it('napoli-matcha-04-…-0: fires on the message that dismisses them, not only at the final report', () => {
    const t = dismissed().tool('Bash', { command: 'npx tsc --noEmit 2>&1' }, '', { exitCode: 0 });
    const fired = firings('premature_completion', t.steps);
    expect(fired.map((f) => f.step)).toEqual([3]);
    expect(fired[0]!.evidence).toEqual([1, 2, 3]);
    expect(observe(t.steps).interventions[0]?.guidance).toContain('pre-existing, without checking');
  });

  it('not when the agent says it will check them on the original code, nor when its first run, before its edits, was the check', () => {
    const planned = trajectory().user('Validate the implementation.')
      .tool('Bash', { command: 'npm test 2>&1' }, NPM_TEST_FAIL, { isError: true })
      .say('The 4 failures look pre-existing. Let me verify that by running them on main.');
    expect(firings('premature_completion', planned.steps)).toEqual([]);
    const checked = trajectory().user('Add a spec agent.')
      .tool('Bash', { command: 'npm test 2>&1' }, NPM_TEST_FAIL, { isError: true })
      .tool('Write', { file_path: '/p/src/lib/SpecAgent.ts', content: 'export class SpecAgent {}' }, 'File created successfully')
      .tool('Edit', { file_path: '/p/src/index.ts', old_string: 'a', new_string: 'b' }, 'ok')
      .tool('Bash', { command: 'npm test 2>&1' }, NPM_TEST_FAIL, { isError: true })
      .say('The 4 failures are pre-existing: they failed the same way before my change (see the first run).');
    expect(firings('premature_completion', checked.steps)).toEqual([]);
  });
});
