import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrajectory, parseTrajectory, TrajectoryFormatError, type Trajectory } from '../../shared/adapters/index.ts';
import { analyzeCall } from '../../shared/detection/calls.ts';
import { readLabels } from '../../shared/eval/labels.ts';
import { sessionMetrics } from '../../shared/experiments/metrics.ts';

const REAL = join(import.meta.dirname, '../fixtures/real');
const CLAUDE = join(REAL, 'claude-code');
const jsonl = (lines: unknown[]): string => lines.map((line) => JSON.stringify(line)).join('\n');
const readLines = async (file: string): Promise<Array<Record<string, any>>> =>
  (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
const stepsOf = (t: Trajectory, type: string) => t.steps.filter((s) => s.type === type);

/** The groups of the real corpus this suite owns; every file listed there must replay. */
const GROUPS = ['claude-code', 'gemini-cli'];

describe('the real corpus', () => {
  it.each(GROUPS)('every labelled file in %s parses, in the labelled format, to at least one step', async (group) => {
    const labelsPath = join(REAL, group, 'labels.json');
    const labels = await readLabels(labelsPath);
    expect(labels.trajectories.length).toBeGreaterThan(0);
    for (const labelled of labels.trajectories) {
      const trajectory = await loadTrajectory(join(dirname(labelsPath), labelled.file));
      expect(trajectory.format, labelled.file).toBe(labelled.format);
      expect(trajectory.steps.length, labelled.file).toBeGreaterThan(0);
      for (const episode of labelled.episodes) expect(episode.lastStep, labelled.file).toBeLessThan(trajectory.steps.length);
    }
  });
});

describe('Claude Code session files (real, from Entire checkpoints)', () => {
  it('keeps a Task sub-agent apart as its own run, tied to the call that started it', async () => {
    const trajectory = await loadTrajectory(join(CLAUDE, 'napoli-matcha-3f-43fb42c14c-2.jsonl'));

    expect(trajectory.steps).toHaveLength(16);
    expect(stepsOf(trajectory, 'tool_call').map((s) => s.toolName)).toEqual(['Task', 'Read', 'Edit']);
    const task = trajectory.steps.find((s) => s.toolName === 'Task')!;
    expect(trajectory.subRuns).toHaveLength(1);
    const [sub] = trajectory.subRuns!;
    expect(sub).toMatchObject({ id: 'a566ca0', parentToolCallId: task.toolCallId, task: expect.stringMatching(/^Explore this codebase/) });
    expect(sub!.steps).toHaveLength(47);
    expect(sub!.steps.filter((s) => s.type === 'tool_call').length).toBeGreaterThan(10);
    // The sub-agent's Bash/Glob/Read calls are not the parent's.
    expect(trajectory.steps.some((s) => s.toolCallId && sub!.steps.some((t) => t.toolCallId === s.toolCallId))).toBe(false);
  });

  it('takes the task from what the person typed, not slash-command plumbing or an injected skill document', async () => {
    const commands = await loadTrajectory(join(CLAUDE, 'napoli-matcha-0c-c3173e5050-5.jsonl'));
    const skill = await loadTrajectory(join(CLAUDE, 'entire-cli-10-a740e118e0-0.jsonl'));

    expect(commands.task).toBe('give me the command to run the test suite in this project');
    expect(commands.steps.slice(0, 3).map((s) => s.type)).toEqual(['system', 'system', 'system']);
    expect(commands.steps.find((s) => s.content?.includes('<bash-input>'))?.type).toBe('system');
    expect(skill.task).toMatch(/^we are reviewing https:\/\/github.com\/entireio\/cli\/pull\/102/);
    expect(skill.steps.find((s) => s.content?.startsWith('**ACTION REQUIRED: Spawn a subagent'))?.type).toBe('system');
    expect(stepsOf(skill, 'user')).toHaveLength(1);
  });

  it('names skipped content (an image the person pasted) in a warning', async () => {
    const lines = await readLines(join(CLAUDE, 'napoli-matcha-05-a737f62fb9-1.jsonl'));
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    const prompt = lines.findIndex((line) => line.type === 'user' && !line.isMeta && typeof line.message?.content === 'string');
    const withImage = lines.map((line, i) => (i === prompt
      ? { ...line, message: { ...line.message, content: [{ type: 'text', text: line.message.content }, image] } }
      : line));

    const trajectory = parseTrajectory(jsonl(withImage), 'with-image.jsonl');

    expect(trajectory.warnings).toEqual(['1 image blocks skipped']);
  });

  it('replays a sub-agent transcript (every entry a sidechain, as in agent-<id>.jsonl) as its own run', async () => {
    // The sub-agent's messages exactly as the parent's file relays them, written the way Claude Code
    // writes them to the sub-agent's own file: the same entries, each marked isSidechain.
    const lines = await readLines(join(CLAUDE, 'napoli-matcha-3f-43fb42c14c-2.jsonl'));
    const relayed = lines.filter((line) => line.type === 'progress' && line.data?.type === 'agent_progress');
    const sidechain = relayed.map((line) => ({
      ...line.data.message, isSidechain: true, agentId: line.data.agentId, sessionId: line.sessionId, uuid: line.data.message.uuid ?? line.uuid,
    }));

    const trajectory = parseTrajectory(jsonl(sidechain), 'agent-a566ca0.jsonl');

    expect(trajectory.format).toBe('claude-code');
    expect(trajectory.steps).toHaveLength(47);
    expect(trajectory.task).toMatch(/^Explore this codebase/);
    expect(trajectory.subRuns).toBeUndefined();
  });
});

describe('Claude Code stream-json (claude -p --output-format stream-json, Claude Agent SDK messages)', () => {
  /** The real session's messages as stream-json prints them: sub-agent messages carry parent_tool_use_id. */
  async function asStreamJson(): Promise<unknown[]> {
    const lines = await readLines(join(CLAUDE, 'napoli-matcha-3f-43fb42c14c-2.jsonl'));
    const session_id = 'cae98e19';
    const events: unknown[] = [{ type: 'system', subtype: 'init', cwd: '/work', session_id, tools: ['Task', 'Read', 'Edit'], model: 'claude-opus-4-6' }];
    // What the person typed arrives after an injected skill document, as with a slash-command skill.
    events.push({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Base directory for this skill: /home/u/.claude/skills/deslop\n\n# Deslop\nRemove AI slop.' }] }, parent_tool_use_id: null, session_id });
    for (const line of lines) {
      if (line.type === 'user' || line.type === 'assistant') {
        if (line.isMeta) continue;
        events.push({ type: line.type, message: line.message, parent_tool_use_id: null, session_id, uuid: line.uuid });
      } else if (line.type === 'progress' && line.data?.type === 'agent_progress') {
        events.push({ type: line.data.message.type, message: line.data.message.message, parent_tool_use_id: line.parentToolUseID, session_id });
      }
    }
    events.push({ type: 'result', subtype: 'success', is_error: false, result: 'Added a Testing Requirements section', session_id });
    return events;
  }

  it('keeps sub-agent steps apart and takes the task from the real prompt, not the skill document or the sub-agent prompt', async () => {
    const trajectory = parseTrajectory(jsonl(await asStreamJson()), 'stream.jsonl');

    expect(trajectory.format).toBe('claude-code');
    expect(trajectory.task).toMatch(/^Add a rule to @CLAUDE.md/);
    expect(stepsOf(trajectory, 'tool_call').map((s) => s.toolName)).toEqual(['Task', 'Read', 'Edit']);
    expect(trajectory.steps[0]).toMatchObject({ type: 'system', content: expect.stringContaining('Base directory for this skill') });
    expect(trajectory.subRuns).toHaveLength(1);
    expect(trajectory.subRuns![0]).toMatchObject({ parentToolCallId: trajectory.steps.find((s) => s.toolName === 'Task')!.toolCallId, task: expect.stringMatching(/^Explore this codebase/) });
    expect(trajectory.subRuns![0]!.steps).toHaveLength(47);
  });

  it('records a run cut short (error_max_turns) as a system step', async () => {
    const events = [...(await asStreamJson()).slice(0, -1), { type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 50, session_id: 's' }];

    expect(parseTrajectory(jsonl(events), 'stream.jsonl').steps.at(-1)).toMatchObject({ type: 'system', content: 'run ended with an error: error_max_turns' });
  });

  it('is an error, not an empty run, when the stream holds no messages', () => {
    const events = [{ type: 'system', subtype: 'init', session_id: 's', cwd: '/w' }, { type: 'assistant', message: { role: 'assistant', content: [] }, session_id: 's' }];

    expect(() => parseTrajectory(jsonl(events), 'empty.jsonl')).toThrow(/at least one step in this claude-code trajectory, found none/);
  });
});

describe('Anthropic Messages transcripts', () => {
  const messages = [
    { role: 'user', content: 'Fix the off-by-one in pager.py and run the tests.' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'Look at the loop bound.', signature: 'x' }, { type: 'text', text: 'Reading the file.' }, { type: 'tool_use', id: 'toolu_1', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'pager.py' } }], usage: { input_tokens: 10, output_tokens: 5 } },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'for i in range(n + 1):' }] }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'bash', input: { command: 'pytest -q' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: '1 failed', is_error: true }] },
    { role: 'assistant', content: [{ type: 'text', text: 'The test still fails.' }] },
  ];

  it('maps text, thinking, tool_use and tool_result blocks (they were dropped as OpenAI Chat)', () => {
    const trajectory = parseTrajectory(JSON.stringify({ model: 'claude-sonnet-4-5', system: 'You are a coding agent.', messages }), 'sdk.json');

    expect(trajectory.format).toBe('anthropic-messages');
    expect(trajectory.task).toBe('Fix the off-by-one in pager.py and run the tests.');
    expect(trajectory.steps.map((s) => s.type)).toEqual(['system', 'user', 'assistant', 'assistant', 'tool_call', 'tool_result', 'tool_call', 'tool_result', 'assistant']);
    expect(trajectory.steps[4]).toMatchObject({ toolName: 'str_replace_based_edit_tool', toolInput: { command: 'view', path: 'pager.py' }, toolCallId: 'toolu_1' });
    expect(trajectory.steps[7]).toMatchObject({ type: 'tool_result', toolCallId: 'toolu_2', content: '1 failed', isError: true });
    expect(trajectory.steps[2]?.tokens).toEqual({ input: 10, output: 5 });
  });

  it('reads a bare message array and JSON Lines the same way', () => {
    const fromArray = parseTrajectory(JSON.stringify(messages), 'a.json');
    const fromLines = parseTrajectory(jsonl(messages), 'a.jsonl');

    expect(fromArray.format).toBe('anthropic-messages');
    expect(fromLines.steps).toEqual(fromArray.steps);
  });

  it("pairs tool results a harness writes as user text (Cline: \"[read_file for 'x'] Result:\") with their calls", () => {
    const cline = [
      { role: 'user', content: [{ type: 'text', text: '<task>\nList the routes.\n</task>' }, { type: 'text', text: '<environment_details>\n# Current Time\n</environment_details>' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'tooluse_a', name: 'list_files', input: { path: 'src/app' } }, { type: 'tool_use', id: 'tooluse_b', name: 'read_file', input: { path: 'src/app/page.tsx' } }] },
      { role: 'user', content: [{ type: 'text', text: "[list_files for 'src/app'] Result:\npage.tsx" }, { type: 'text', text: "[read_file for 'src/app/page.tsx'] Result:\nexport default 1" }, { type: 'text', text: 'Also list the API routes.' }] },
    ];

    const trajectory = parseTrajectory(JSON.stringify(cline), 'api_conversation_history.json');

    expect(trajectory.steps.map((s) => [s.type, s.toolCallId])).toEqual([
      ['user', undefined], ['system', undefined], ['tool_call', 'tooluse_a'], ['tool_call', 'tooluse_b'], ['tool_result', 'tooluse_a'], ['tool_result', 'tooluse_b'], ['user', undefined],
    ]);
  });

  it('warns about blocks it cannot show instead of dropping them silently', () => {
    const withDocument = [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, { type: 'document', source: { type: 'base64', data: 'JVBERi0=' } }] }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'x', input: {} }, { type: 'container_upload', file_id: 'f' }] }];

    const trajectory = parseTrajectory(JSON.stringify(withDocument), 'doc.json');

    expect(trajectory.warnings).toEqual(['1 document blocks skipped', '1 content blocks of type "container_upload" skipped']);
  });
});

describe('Codex CLI session files', () => {
  const patch = '*** Begin Patch\n*** Update File: src/pager.py\n@@\n-for i in range(n + 1):\n+for i in range(n):\n*** Add File: tests/test_pager.py\n+def test_pages(): pass\n*** End Patch';
  const t = (n: number) => `2025-10-05T12:00:${String(n).padStart(2, '0')}.000Z`;
  const lines = [
    { timestamp: t(0), type: 'session_meta', payload: { id: 'abc', cwd: '/repo', originator: 'codex_cli_rs', cli_version: '0.46.0' } },
    { timestamp: t(1), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/repo</cwd>\n</environment_context>' }] } },
    { timestamp: t(1), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the pager off-by-one.' }] } },
    { timestamp: t(1), type: 'event_msg', payload: { type: 'user_message', message: 'Fix the pager off-by-one.' } },
    { timestamp: t(2), type: 'turn_context', payload: { cwd: '/repo', model: 'gpt-5-codex' } },
    { timestamp: t(3), type: 'response_item', payload: { type: 'reasoning', summary: [{ type: 'summary_text', text: '**Looking at the loop**' }], encrypted_content: 'gAAAA' } },
    { timestamp: t(4), type: 'response_item', payload: { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', 'sed -n 1,20p src/pager.py'], workdir: '/repo' }), call_id: 'call_1' } },
    { timestamp: t(5), type: 'response_item', payload: { type: 'function_call_output', call_id: 'call_1', output: JSON.stringify({ output: 'for i in range(n + 1):\n', metadata: { exit_code: 0, duration_seconds: 0.1 } }) } },
    { timestamp: t(6), type: 'response_item', payload: { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['apply_patch', patch], workdir: '/repo' }), call_id: 'call_2' } },
    { timestamp: t(7), type: 'response_item', payload: { type: 'function_call_output', call_id: 'call_2', output: JSON.stringify({ output: 'Success. Updated the following files:\nM src/pager.py\nA tests/test_pager.py\n', metadata: { exit_code: 0 } }) } },
    { timestamp: t(8), type: 'response_item', payload: { type: 'custom_tool_call', name: 'apply_patch', input: patch.replace('src/pager.py', 'src/other.py'), call_id: 'call_3', status: 'completed' } },
    { timestamp: t(9), type: 'response_item', payload: { type: 'custom_tool_call_output', call_id: 'call_3', output: 'Success.' } },
    { timestamp: t(10), type: 'response_item', payload: { type: 'function_call', name: 'shell_command', arguments: JSON.stringify({ command: `apply_patch <<'EOF'\n${patch.replace('src/pager.py', 'src/third.py')}\nEOF` }), call_id: 'call_4' } },
    { timestamp: t(11), type: 'response_item', payload: { type: 'function_call_output', call_id: 'call_4', output: 'Exit code: 0\nWall time: 0.1 seconds\nOutput:\nSuccess.' } },
    { timestamp: t(12), type: 'response_item', payload: { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', 'pytest -q'] }), call_id: 'call_5' } },
    { timestamp: t(13), type: 'response_item', payload: { type: 'function_call_output', call_id: 'call_5', output: JSON.stringify({ output: '1 failed', metadata: { exit_code: 1 } }) } },
    { timestamp: t(14), type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Fixed; one test still fails.' }] } },
  ];

  it('reads the conversation from response items, with injected context as system steps and the task from the person', () => {
    const trajectory = parseTrajectory(jsonl(lines), 'rollout.jsonl');

    expect(trajectory.format).toBe('codex');
    expect(trajectory.task).toBe('Fix the pager off-by-one.');
    expect(trajectory.steps.map((s) => s.type)).toEqual(['system', 'user', 'assistant', ...Array(5).fill(['tool_call', 'tool_result']).flat(), 'assistant']);
    expect(trajectory.steps[3]).toMatchObject({ toolName: 'shell', toolInput: { command: 'sed -n 1,20p src/pager.py' }, toolCallId: 'call_1' });
    expect(trajectory.steps[4]).toMatchObject({ content: 'for i in range(n + 1):\n', exitCode: 0 });
    expect(trajectory.steps[10]).toMatchObject({ exitCode: 0 });
    expect(trajectory.steps[12]).toMatchObject({ content: '1 failed', exitCode: 1 });
  });

  it('turns every apply_patch form into an apply_patch edit of the files its headers name', () => {
    const trajectory = parseTrajectory(jsonl(lines), 'rollout.jsonl');
    const patches = trajectory.steps.filter((s) => s.toolName === 'apply_patch');

    expect(patches).toHaveLength(3);
    expect(patches.map((s) => analyzeCall(s.toolName, s.toolInput).edits)).toEqual(['src/pager.py', 'src/other.py', 'src/third.py'].map((path) => [
      { path, kind: 'modify' }, { path: 'tests/test_pager.py', kind: 'create' },
    ]));
    expect(patches[0]?.toolInput).toEqual({ workdir: '/repo', input: patch });
  });

  it('reads token usage from token_count events onto the model output they follow, counting each model call once', () => {
    const usage = (input: number, output: number) => ({ input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output });
    const tokenCount = (at: number, total: [number, number], last: [number, number]) => ({ timestamp: t(at), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: usage(...total), last_token_usage: usage(...last), model_context_window: 272000 } } });
    const withUsage = [
      ...lines.slice(0, 7),
      tokenCount(4, [1000, 50], [1000, 50]),
      // Codex repeats the last figures when only the rate limits change: not a second call.
      tokenCount(4, [1000, 50], [1000, 50]),
      { timestamp: t(4), type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 1 } } } },
      ...lines.slice(7, 9),
      tokenCount(6, [2200, 130], [1200, 80]),
      ...lines.slice(9),
      tokenCount(14, [3500, 160], [1300, 30]),
    ];

    const trajectory = parseTrajectory(jsonl(withUsage), 'rollout.jsonl');
    const counted = trajectory.steps.filter((s) => s.tokens).map((s) => ({ index: s.index, type: s.type, tokens: s.tokens }));

    expect(counted).toEqual([
      { index: 3, type: 'tool_call', tokens: { input: 1000, output: 50 } },
      { index: 5, type: 'tool_call', tokens: { input: 1200, output: 80 } },
      { index: 13, type: 'assistant', tokens: { input: 1300, output: 30 } },
    ]);
    expect(sessionMetrics({ sessionId: 's', arm: 'control', steps: trajectory.steps, episodes: [], end: undefined, idle: false }).tokens).toBe(3660);
  });

  it('warns about item types it does not read', () => {
    const withUnknown = [...lines, { timestamp: t(15), type: 'response_item', payload: { type: 'future_item', data: 1 } }];

    expect(parseTrajectory(jsonl(withUnknown), 'rollout.jsonl').warnings).toEqual(['1 items of type "future_item" skipped']);
  });
});

describe('Gemini CLI stream-json', () => {
  const ts = '2025-11-02T10:00:00.000Z';
  const events = [
    { type: 'init', timestamp: ts, session_id: 'g-1', model: 'gemini-2.5-pro' },
    { type: 'message', timestamp: ts, role: 'user', content: 'Make the build pass.' },
    { type: 'message', timestamp: ts, role: 'assistant', content: 'Let me ', delta: true },
    { type: 'message', timestamp: ts, role: 'assistant', content: 'run the build.', delta: true },
    { type: 'tool_use', timestamp: ts, tool_name: 'run_shell_command', tool_id: 'run-1', parameters: { command: 'npm run build' } },
    { type: 'tool_result', timestamp: ts, tool_id: 'run-1', status: 'error', output: 'error TS2304', error: { type: 'EXECUTION_FAILED', message: 'exit code 2' } },
    { type: 'tool_use', timestamp: ts, tool_name: 'replace', tool_id: 'replace-2', parameters: { file_path: 'src/a.ts', old_string: 'x', new_string: 'y' } },
    { type: 'tool_result', timestamp: ts, tool_id: 'replace-2', status: 'success', output: 'ok' },
    { type: 'message', timestamp: ts, role: 'assistant', content: 'Fixed.', delta: true },
    { type: 'result', timestamp: ts, status: 'success', stats: { total_tokens: 10 } },
  ];

  it('gathers streamed chunks into one message and maps tool calls and results', () => {
    const trajectory = parseTrajectory(jsonl(events), 'gemini.jsonl');

    expect(trajectory.format).toBe('gemini-cli');
    expect(trajectory.task).toBe('Make the build pass.');
    expect(trajectory.steps.map((s) => [s.type, s.content ?? s.toolName])).toEqual([
      ['user', 'Make the build pass.'], ['assistant', 'Let me run the build.'], ['tool_call', 'run_shell_command'],
      ['tool_result', 'error TS2304\nexit code 2'], ['tool_call', 'replace'], ['tool_result', 'ok'], ['assistant', 'Fixed.'],
    ]);
    expect(trajectory.steps[3]).toMatchObject({ toolCallId: 'run-1', isError: true });
    // Gemini's `replace` edits a file, like str_replace.
    expect(analyzeCall('replace', trajectory.steps[4]!.toolInput).edits).toEqual([{ path: 'src/a.ts', kind: 'modify' }]);
  });

  it('records a failed run and its error events as system steps', () => {
    const failed = [...events.slice(0, 2), { type: 'error', timestamp: ts, severity: 'warning', message: 'Loop detected' }, { type: 'result', timestamp: ts, status: 'error', error: { type: 'API', message: 'quota exceeded' } }];

    expect(parseTrajectory(jsonl(failed), 'gemini.jsonl').steps.slice(1).map((s) => [s.type, s.content])).toEqual([
      ['system', 'warning: Loop detected'], ['system', 'run failed: quota exceeded'],
    ]);
  });
});

describe('Gemini CLI session files (real, from entireio/cli)', () => {
  it('maps thoughts and content to assistant steps, tool calls to calls and their recorded results, notices to system steps', async () => {
    const trajectory = await loadTrajectory(join(REAL, 'gemini-cli', 'entire-cli-ab-2b9748b105-0.json'));

    expect(trajectory.format).toBe('gemini-cli');
    expect(trajectory.task).toBe('run an agent that creates a color file inside docs, choose your color');
    expect(trajectory.steps).toHaveLength(30);
    expect(stepsOf(trajectory, 'tool_call').map((s) => s.toolName)).toEqual([
      'write_file', 'run_shell_command', 'run_shell_command', 'run_shell_command', 'read_file', 'run_shell_command', 'read_file', 'run_shell_command', 'run_shell_command',
    ]);
    expect(trajectory.steps[2]).toMatchObject({ toolInput: { file_path: 'docs/blue.md' }, toolCallId: expect.stringMatching(/^write_file-/) });
    expect(trajectory.steps[3]).toMatchObject({ type: 'tool_result', toolCallId: trajectory.steps[2]!.toolCallId, isError: false, content: expect.stringContaining('Successfully created') });
    expect(trajectory.steps[1]).toMatchObject({ type: 'assistant', content: expect.stringMatching(/^Considering Color Documentation Format: /), tokens: { input: 12207, output: 105 } });
    expect(trajectory.steps[11]).toMatchObject({ type: 'system', content: expect.stringMatching(/^info: Gemini CLI update available/) });
    expect(analyzeCall('write_file', trajectory.steps[2]!.toolInput).edits).toEqual([{ path: 'docs/blue.md', kind: 'create' }]);
  });

  it('keeps the person answering between turns as user steps', async () => {
    const trajectory = await loadTrajectory(join(REAL, 'gemini-cli', 'entire-cli-12-cbfeaa512b-0.json'));

    expect(stepsOf(trajectory, 'user').map((s) => s.content)).toEqual(['add new text to test-gemini.txt', '",how are you"']);
  });
});

describe('files in formats Wink does not read', () => {
  const message = (text: string, source = 'input'): string => {
    try {
      parseTrajectory(text, source);
    } catch (error) {
      expect(error).toBeInstanceOf(TrajectoryFormatError);
      return (error as Error).message;
    }
    throw new Error('expected a TrajectoryFormatError');
  };

  it.each([
    ['an Aider chat history', '# aider chat started at 2025-01-01 10:00:00\n\n> /add app.py\n', /Aider chat history/],
    ['a SpecStory export', '<!-- Generated by SpecStory -->\n\n# Fix the bug (2025-05-01)\n', /SpecStory/],
    ['a Codex exec --json stream', jsonl([{ type: 'thread.started', thread_id: 't' }, { type: 'turn.started' }, { type: 'item.completed', item: { id: 'i', type: 'agent_message', text: '4' } }]), /Codex `exec --json` event stream.*~\/.codex\/sessions/],
    ["Cline's UI messages", JSON.stringify([{ ts: 1, type: 'say', say: 'task', text: 'do it' }, { ts: 2, type: 'ask', ask: 'tool', text: '{}' }]), /Cline's UI messages.*api_conversation_history.json/],
    ['a ChatGPT export', JSON.stringify([{ title: 't', mapping: { a: { message: null } } }]), /ChatGPT data export/],
    ['Gemini API contents', JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }, { role: 'model', parts: [{ functionCall: { name: 'ls' } }] }] }), /Gemini API `contents`/],
  ])('%s: says what it looks like and that it is not supported', (_name, text, looksLike) => {
    const error = message(text);

    expect(error).toMatch(looksLike);
    expect(error).toMatch(/what looks like .*, a format Wink does not support/);
    expect(error).not.toMatch(/none of them matched/);
  });

  it('describes an unknown file by its first record', () => {
    expect(message(JSON.stringify([{ when: 1, said: 'x' }]))).toMatch(/none of them matched \(JSON whose first record has keys when, said\)/);
  });

  it('says why a Claude Code session file with no messages is empty', () => {
    const summaries = jsonl([{ type: 'summary', summary: 'Old session', leafUuid: 'u' }, { type: 'file-history-snapshot', messageId: 'm', snapshot: {} }, { type: 'user', uuid: 'u', sessionId: 's', message: { role: 'user', content: [{ type: 'image', source: {} }] } }]);

    expect(message(summaries, 's.jsonl')).toBe('s.jsonl: $: expected at least one step in this claude-code trajectory, found none (1 image blocks skipped)');
  });
});
