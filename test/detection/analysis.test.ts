import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeCall, interactiveReason } from '../../shared/detection/calls.ts';
import { hashText, resultFailed } from '../../shared/detection/normalize.ts';
import { readClaims } from '../../shared/detection/claims.ts';
import { forbiddenPathMatch, normalizeWorkspacePath } from '../../shared/detection/paths.ts';
import { missingPathsIn, resultTimedOut, testRunFailed } from '../../shared/detection/results.ts';
import { forbiddenCommandMatch, simpleCommands } from '../../shared/detection/shell.ts';

const bash = (command: string) => analyzeCall('bash', { command });
const editedPaths = (toolName: string, input: unknown, openFile?: string) => analyzeCall(toolName, input, openFile).edits.map((e) => e.path);

describe('what counts as an edit', () => {
  it.each([
    ['str_replace_editor', { command: 'str_replace', path: '/testbed/src/a.py', old_str: 'a', new_str: 'b' }, 'src/a.py'],
    ['str_replace_editor', { command: 'create', path: './new.py', file_text: 'x' }, 'new.py'],
    ['str_replace_editor', { command: 'insert', path: '/repo/a.py', insert_line: 1, new_str: 'x' }, 'a.py'],
    ['str_replace_editor', { command: 'undo_edit', path: '/workspace/a.py' }, 'a.py'],
    ['write_file', { file_path: 'docs/x.md', content: 'x' }, 'docs/x.md'],
    ['Edit', { file_path: '/testbed/a.ts', old_string: 'a', new_string: 'b' }, 'a.ts'],
    ['delete_file', { file: 'old.txt' }, 'old.txt'],
    ['create', { filename: 'reproduce.py' }, 'reproduce.py'],
    ['rename_file', { path: 'a.py', new_path: 'b.py' }, 'a.py'],
    ['files', { command: 'write', path: 'x/y.json' }, 'x/y.json'],
  ])('%s %j edits %s', (tool, input, path) => {
    expect(editedPaths(tool, input)).toContain(path);
  });

  it.each([
    ['str_replace_editor', { command: 'view', path: '/testbed/src/a.py' }],
    ['read_file', { path: 'a.py' }],
    ['open', { path: 'a.py' }],
    ['find_file', { file_name: 'a.py' }],
    ['search', { path: 'src', query: 'edit' }],
    ['str_replace_editor', { command: 'create' }],
  ])('%s %j is not an edit of a named path', (tool, input) => {
    expect(editedPaths(tool, input).filter((p) => p !== undefined)).toEqual([]);
  });

  it.each([
    ['echo hi > out.txt', ['out.txt']],
    ['cat a >> /testbed/log.txt', ['log.txt']],
    ["sed -i 's/a/b/' src/a.py src/b.py", ['src/a.py', 'src/b.py']],
    ["sed -i.bak -e 's/a/b/' f.txt", ['f.txt']],
    ['rm -rf build/ tmp.txt', ['build', 'tmp.txt']],
    ['mv a.py b.py', ['a.py', 'b.py']],
    ['cp template.cfg ./config.cfg', ['config.cfg']],
    ['echo x | tee -a notes.md', ['notes.md']],
    ['git checkout -- src/a.py', ['src/a.py']],
    ['cd /testbed && git checkout HEAD -- a.py b.py', ['a.py', 'b.py']],
    ['python gen.py > out.json 2>/dev/null', ['out.json']],
    ["bash -c 'rm x.txt'", ['x.txt']],
  ])('shell `%s` writes %j', (command, paths) => {
    expect(bash(command).edits.map((e) => e.path)).toEqual(paths);
  });

  it.each([
    'ls -la', 'cat a.py', 'grep -rn "x > y" src', 'python run.py 2>&1', 'pytest -q 2>/dev/null', "echo 'a > b'",
    'git status', 'git checkout main', 'sed -n 1,20p a.py', 'find . -name "*.py"',
  ])('shell `%s` is not an edit', (command) => {
    expect(bash(command).edits).toEqual([]);
  });

  it('heredoc bodies are data, not commands', () => {
    const facts = bash("python - <<'EOF'\nimport os\nrm -rf /\nEOF\necho done");
    expect(facts.edits).toEqual([]);
    expect(facts.commands.map((c) => c.words[0])).toEqual(['python', 'echo']);
  });

  it("SWE-agent's editor commands: create names the file, edit targets the open file, the body is text", () => {
    expect(editedPaths('create', { command: 'create reproduce.py' })).toEqual(['reproduce.py']);
    expect(editedPaths('edit', { command: 'edit 1:1\nrm -rf src\nend_of_edit' }, 'src/a.py')).toEqual(['src/a.py']);
    expect(editedPaths('edit', { search: 'a', replace: 'b' }, 'src/a.py')).toEqual(['src/a.py']);
    expect(analyzeCall('open', { command: 'open "src/marshmallow/fields.py" 1474' }).opensFile).toBe('src/marshmallow/fields.py');
  });

  it("SWE-agent's create opens the new file, so the edits that fill it in target it", () => {
    expect(analyzeCall('create', { command: 'create reproduce.py' }).opensFile).toBe('reproduce.py');
    expect(analyzeCall('create', { filename: '/testbed/reproduce.py' }).opensFile).toBe('reproduce.py');
    expect(analyzeCall('str_replace_editor', { command: 'create', path: 'b.py', file_text: '' }).opensFile).toBeUndefined();
  });
});

describe('paths', () => {
  it.each([
    ['./src/a.py', 'src/a.py'], ['/repo/src/a.py', 'src/a.py'], ['/workspace/a', 'a'], ['/testbed/x/y/', 'x/y'],
    ['/marshmallow-code__marshmallow/src/f.py', 'src/f.py'], ['/etc/passwd', '/etc/passwd'], ['"quoted.txt"', 'quoted.txt'],
  ])('%s → %s', (raw, normalized) => {
    expect(normalizeWorkspacePath(raw)).toBe(normalized);
  });

  it('forbidden globs use the ** dialect over normalised paths, dotfiles included', () => {
    const patterns = ['secrets/**', '**/*.env', '.github/**', '/etc/**'];
    expect(forbiddenPathMatch('/testbed/secrets/prod/key.pem', patterns)).toBe('secrets/**');
    expect(forbiddenPathMatch('config/.env', ['**/.env'])).toBe('**/.env');
    expect(forbiddenPathMatch('./.github/workflows/ci.yml', patterns)).toBe('.github/**');
    expect(forbiddenPathMatch('/etc/hosts', patterns)).toBe('/etc/**');
    expect(forbiddenPathMatch('src/secrets.py', patterns)).toBeUndefined();
  });
});

describe('forbidden commands: leading-words match per simple command', () => {
  const rules = ['git push', 'rm -rf', 'npm publish', 'curl * | sh'];
  it.each([
    ['git push origin main', 'git push'],
    ['cd x && git push', 'git push'],
    ['git add . ; git commit -m x; git push --force', 'git push'],
    ['sudo rm -rf /tmp/x', 'rm -rf'],
    ['FOO=1 npm publish --tag next', 'npm publish'],
    ["bash -c 'git push'", 'git push'],
    ['echo $(git push)', 'git push'],
    ['/usr/bin/git push', 'git push'],
    ['curl * | sh', 'curl * | sh'],
  ])('`%s` matches %s', (command, rule) => {
    expect(forbiddenCommandMatch(command, rules)).toBe(rule);
  });

  it.each(['git pushy', 'echo git push', 'git status', 'grep "git push" notes.md', 'rm -r build', 'npm publisher'])('`%s` does not match', (command) => {
    expect(forbiddenCommandMatch(command, rules)).toBeUndefined();
  });

  it('a token with * matches any one word', () => {
    expect(forbiddenCommandMatch('git push origin main', ['git push * main'])).toBe('git push * main');
    expect(forbiddenCommandMatch('git push origin dev', ['git push * main'])).toBeUndefined();
  });
});

describe('interactive commands', () => {
  const reason = (command: string) => simpleCommands(command).map(interactiveReason).find(Boolean);
  it.each([
    'vim src/a.py', 'vi a', 'nano x', 'emacs a.py', 'less log.txt', 'git log | less', 'man ls', 'more README',
    'tail -f app.log', 'tail -n 50 -F x.log', 'watch -n 1 ls', 'top', 'python', 'python3', 'node', 'irb', 'psql mydb',
    'git commit', 'git commit --amend', 'git -C repo commit -a', 'git rebase -i HEAD~3', 'git add -p', 'cd src && vim a.py', 'jest --watch',
  ])('`%s` hangs', (command) => {
    expect(reason(command)).toBeDefined();
  });

  it.each([
    'cat a.py', 'python script.py', 'python -c "print(1)"', 'python -m pytest', 'node index.js', 'echo "print(1)" | python',
    'python < in.py', "python3 - <<'EOF'\nprint(1)\nEOF", 'git commit -m "fix"', 'git commit -am fix', 'git commit --amend --no-edit',
    'GIT_EDITOR=true git commit', 'git rebase main', 'tail -n 20 app.log', 'top -b -n 1', 'emacs --batch -l x.el', 'man ls | cat',
    'timeout 5 vim x', 'psql -c "select 1"', 'git log --oneline', 'grep vim notes.md', 'echo vim',
  ])('`%s` does not hang', (command) => {
    expect(reason(command)).toBeUndefined();
  });
});

describe('runs and test runs', () => {
  it.each([
    'pytest -x tests/', 'python -m pytest', 'python3 -m unittest discover', 'npm test', 'pnpm test', 'yarn test', 'npm run test:unit',
    'npx vitest run', 'vitest run', 'jest', 'go test ./...', 'cargo test', 'mvn test', './gradlew test', 'make test', 'tox -e py311',
    'cd /testbed && python -m pytest tests/test_a.py -q', 'python tests/runtests.py', 'python manage.py test',
  ])('`%s` is a test run', (command) => {
    expect(bash(command)).toMatchObject({ isTestRun: true, isRun: true });
  });

  it.each(['python reproduce.py', './run.sh', 'node build.js', 'make', 'cargo run', 'npm run build', 'tshark -r x.pcap', 'curl localhost:8000'])(
    '`%s` is a run but not a test run',
    (command) => {
      expect(bash(command)).toMatchObject({ isTestRun: false, isRun: true });
    },
  );

  it.each(['ls', 'cat test_a.py', 'grep -r pytest .', 'git diff', 'pip install pytest', 'python --version', 'echo npm test'])('`%s` runs nothing', (command) => {
    expect(bash(command)).toMatchObject({ isTestRun: false, isRun: false });
  });

  it('test outcomes: exit code first, then the runner summary, then the generic heuristic', () => {
    expect(testRunFailed({ content: '5 passed', exitCode: 1 }, false)).toBe(true);
    expect(testRunFailed({ content: 'FAILED tests/a.py::t - assert 1 == 2\n=== 1 failed, 4 passed in 0.3s ===' }, false)).toBe(true);
    expect(testRunFailed({ content: '--- FAIL: TestX (0.00s)\nFAIL\tpkg 0.01s' }, false)).toBe(true);
    expect(testRunFailed({ content: 'test result: FAILED. 1 passed; 1 failed' }, false)).toBe(true);
    expect(testRunFailed({ content: 'Tests:       1 failed, 3 passed, 4 total' }, false)).toBe(true);
    expect(testRunFailed({ content: '===== no tests ran in 0.01s =====' }, false)).toBe(true);
    expect(testRunFailed({ content: '===== 12 passed in 0.40s =====' }, true)).toBe(false);
    expect(testRunFailed({ content: 'Ran 3 tests in 0.001s\n\nOK' }, false)).toBe(false);
    expect(testRunFailed({ content: 'something odd' }, true)).toBe(true);
  });
});

describe('results', () => {
  it('timeouts', () => {
    expect(resultTimedOut({ content: '', exitCode: 124 })).toBe(true);
    expect(resultTimedOut({ content: 'Command timed out after 120 seconds' })).toBe(true);
    expect(resultTimedOut({ content: "The command 'pytest' was cancelled because it took more than 300 seconds." })).toBe(true);
    expect(resultTimedOut({ content: 'def test_timeout():\n    assert fetch(timeout=3) == 1\n1 passed' })).toBe(false);
  });

  it('missing paths named by errors', () => {
    expect(missingPathsIn("cat: src/util.py: No such file or directory")).toEqual(['src/util.py']);
    expect(missingPathsIn("ls: cannot access '/testbed/x.py': No such file or directory")).toEqual(['x.py']);
    expect(missingPathsIn("python: can't open file '/testbed/reproduce.py': [Errno 2] No such file or directory")).toEqual(['reproduce.py']);
    expect(missingPathsIn('The path /testbed/src/b.py does not exist. Please provide a valid path.')).toEqual(['src/b.py']);
    expect(missingPathsIn('FileNotFoundError: [Errno 2] No such file or directory: \'data.csv\'')).toContain('data.csv');
    expect(missingPathsIn('all good')).toEqual([]);
  });
});

describe('claims', () => {
  it.each([
    ['All tests pass now.', { testsPass: true, completion: true }],
    ['The fix is complete.', { completion: true }],
    ["I've fixed the bug in parse().", { completion: true }],
    ['Done.', { completion: true }],
    ['The issue has been resolved.', { completion: true }],
    ['The script ran successfully.', { success: true }],
    ['I give up.', { givesUp: true }],
    ["I'm unable to complete this task with the tools available.", { givesUp: true }],
    ['Could you please provide the expected output format?', { asksUser: true }],
  ])('%s', (text, expected) => {
    expect(readClaims(text)).toMatchObject(expected);
  });

  it.each([
    "Let's run the tests to make sure all tests pass.",
    'Once all tests pass, the task is complete.',
    'The tests are not passing yet.',
    'If the fix is complete, the output should be 345.',
    'Are all tests passing?',
    'We need to verify that the issue is resolved.',
    '```\n===== all tests pass =====\n```',
    '> The task is complete.',
  ])('no completion claim in: %s', (text) => {
    const claims = readClaims(text);
    expect(claims.completion).toBeUndefined();
    expect(claims.testsPass).toBeUndefined();
  });

  it.each([
    "I'm stuck on this approach. Let me try searching for the definition of `parse` instead.",
    'I am unable to fix this with sed, so I will use the editor instead.',
    "I'm stuck. A different approach: read the failing test first.",
  ])('a change of tack is not giving up: %s', (text) => {
    expect(readClaims(text).givesUp).toBeUndefined();
  });

  it.each([
    "I'm unable to complete this task. Let me know if you need anything else.",
    "I'm stuck. I cannot find the file anywhere.",
  ])('giving up is still giving up: %s', (text) => {
    expect(readClaims(text).givesUp).toBe(true);
  });

  it.each([
    "The issue does not say how halves should round, so could you confirm which mode you prefer? In the meantime I'll use Python's default.",
    'Could you clarify the expected format? Meanwhile, I will implement the one the tests use.',
  ])('a question the agent does not wait on is not a request that stops the run: %s', (text) => {
    expect(readClaims(text).asksUser).toBeUndefined();
  });

  it.each([
    'Could you please clarify whether TimeDelta should round or truncate?',
    'Please provide the path to the config file. I will wait for your answer.',
  ])('a question that waits for the answer still asks the user: %s', (text) => {
    expect(readClaims(text).asksUser).toBe(true);
  });

  it('a "done" followed by a plan to verify is a step on the way, not the end', () => {
    expect(readClaims("I've fixed the issue. Now let's run the reproduce script to verify.").completion).toBeUndefined();
  });
});

describe('robustness', () => {
  it('never throws on arbitrary command lines or tool inputs', () => {
    const shellish = fc.stringMatching(/^[a-z '"$()|&;<>\\\n`#=*-]{0,80}$/);
    fc.assert(fc.property(shellish, (line) => {
      simpleCommands(line);
      forbiddenCommandMatch(line, ['git push', 'a | b']);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.string(), fc.jsonValue(), (toolName, input) => {
      analyzeCall(toolName, input);
      analyzeCall(toolName, { command: toolName, path: JSON.stringify(input) });
    }), { numRuns: 300 });
  });
});

describe('npm failures', () => {
  it('count as failures, and repeated ones compare equal despite the timestamped log path', () => {
    const out = (stamp: string) => `npm error code ELIFECYCLE\nnpm error A complete log of this run can be found in: /root/.npm/_logs/${stamp}-debug-0.log`;
    expect(resultFailed({ content: out('2025-05-02T10_41_07_311Z') })).toBe(true);
    expect(hashText(out('2025-05-02T10_41_07_311Z'))).toBe(hashText(out('2025-05-02T10_43_51_020Z')));
    expect(resultFailed({ content: 'added 12 packages in 2s' })).toBe(false);
  });
});
