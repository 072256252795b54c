import { describe, expect, it } from 'vitest';
import { parseTrajectory, TrajectoryFormatError, type Trajectory } from '../../shared/adapters/index.ts';
import { fencedShellCommands, isHarnessRejection, xmlFunctionCalls } from '../../shared/adapters/textActions.ts';
import { analyzeCall } from '../../shared/detection/calls.ts';

const parse = (value: unknown, source = 'run.json'): Trajectory => parseTrajectory(JSON.stringify(value), source);
const calls = (t: Trajectory) => t.steps.filter((s) => s.type === 'tool_call');
const results = (t: Trajectory) => t.steps.filter((s) => s.type === 'tool_result');

describe('text actions', () => {
  it('reads <function=…> blocks with their parameters, and fenced shell blocks but not untagged fences', () => {
    const reply = 'Let me look.\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n<parameter=path>/repo/a.py</parameter>\n</function>';
    expect(xmlFunctionCalls(reply)).toEqual([{ toolName: 'str_replace_editor', toolInput: { command: 'view', path: '/repo/a.py' } }]);
    expect(fencedShellCommands('THOUGHT: x\n\n```bash\nls -la\n```\n\n```python\nprint(1)\n```\n```\nplain\n```')).toEqual(['ls -la']);
  });

  it('reads mini-SWE-agent\'s own ```mswea_bash_command fence as a shell action', () => {
    // From a recorded mini-SWE-agent 1.x run (SWE-agent/mini-swe-agent, tests/test_data/github_issue.traj.json).
    const reply = "I'll help you solve this issue. Let me first examine the content of the file that's causing the syntax error.\n\n```mswea_bash_command\ncat /Users/fuchur/Documents/24/git_sync/swe-agent-test-repo/tests/./missing_colon.py\n```";
    expect(fencedShellCommands(reply)).toEqual(['cat /Users/fuchur/Documents/24/git_sync/swe-agent-test-repo/tests/./missing_colon.py']);
    const run = parse([
      { role: 'system', content: 'You are a helpful assistant that can interact with a computer.' },
      { role: 'user', content: 'Please solve this issue: GitHub Issue: SyntaxError: invalid syntax' },
      { role: 'assistant', content: reply },
      { role: 'user', content: '<returncode>1</returncode>\n<output>\ncat: /Users/fuchur/Documents/24/git_sync/swe-agent-test-repo/tests/./missing_colon.py: No such file or directory\n</output>' },
    ]);
    expect(calls(run)).toMatchObject([{ toolName: 'bash', toolInput: { command: 'cat /Users/fuchur/Documents/24/git_sync/swe-agent-test-repo/tests/./missing_colon.py' } }]);
    expect(results(run)).toMatchObject([{ exitCode: 1 }]);
  });

  it('knows the harness replies that reject a reply', () => {
    expect(isHarnessRejection('Please always provide EXACTLY ONE action in triple backticks, found 2 actions.')).toBe(true);
    expect(isHarnessRejection('No tool calls found in the response. Every response MUST include at least one tool call.')).toBe(true);
    expect(isHarnessRejection('<returncode>0</returncode>\n<output>ok</output>')).toBe(false);
  });
});

describe('mini-SWE-agent', () => {
  const v1 = {
    info: { mini_version: '1.17.0', exit_status: 'LimitsExceeded' },
    trajectory_format: 'mini-swe-agent-1',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: '<pr_description>Fix the parser</pr_description>' },
      { role: 'assistant', content: 'THOUGHT: look first.\n\n```bash\nls -la\n```' },
      { role: 'user', content: '<returncode>0</returncode>\n<output>\nsetup.py\n</output>' },
      { role: 'assistant', content: 'THOUGHT: two things.\n\n```bash\nls\n```\n\n```bash\ncat setup.py\n```' },
      { role: 'user', content: 'Please always provide EXACTLY ONE action in triple backticks, found 2 actions.' },
      { role: 'assistant', content: 'THOUGHT: run it.\n\n```bash\npython -m pytest -q\n```' },
      { role: 'user', content: '<returncode>1</returncode>\n<output>\n1 failed\n</output>' },
      { role: 'assistant', content: 'Done.\n\n```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached\n```' },
    ],
  };

  it('turns 1.x fenced actions into calls, results into their results with exit codes, and a format error into a failed malformed call', () => {
    const t = parse(v1, 'x.traj.json');

    expect(t.format).toBe('mini-swe-agent');
    expect(t.task).toBe('<pr_description>Fix the parser</pr_description>');
    expect(calls(t).map((c) => [c.toolName, c.toolInput])).toEqual([
      ['bash', { command: 'ls -la' }],
      ['bash', {}],
      ['bash', { command: 'python -m pytest -q' }],
      ['submit', { command: 'echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached' }],
    ]);
    const [listed, rejected, tested] = results(t);
    expect(listed).toMatchObject({ exitCode: 0, toolCallId: calls(t)[0]!.toolCallId });
    expect(rejected).toMatchObject({ isError: true, toolCallId: calls(t)[1]!.toolCallId, content: expect.stringContaining('EXACTLY ONE action') });
    expect(tested).toMatchObject({ exitCode: 1 });
    expect(t.steps.filter((s) => s.type === 'user')).toHaveLength(1);
  });

  it('reads 2.x tool calls, tool results and the closing `exit` message', () => {
    const t = parse({
      trajectory_format: 'mini-swe-agent-1.1',
      info: { exit_status: 'InternalServerError' },
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'task' },
        { role: 'assistant', content: '', reasoning_content: 'Look around.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'bash', arguments: '{"command": "ls"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '<returncode>0</returncode>\n<output>\na.py\n</output>' },
        { role: 'user', content: 'No tool calls found in the response. Every response MUST include at least one tool call.' },
        { role: 'exit', content: 'litellm.InternalServerError: boom', extra: { exit_status: 'InternalServerError' } },
      ],
    });

    expect(t.steps.map((s) => s.type)).toEqual(['system', 'user', 'assistant', 'tool_call', 'tool_result', 'tool_result', 'system']);
    expect(t.steps[4]).toMatchObject({ toolCallId: 'c1', exitCode: 0 });
    expect(t.steps[5]).toMatchObject({ isError: true, content: expect.stringContaining('No tool calls found') });
    expect(t.steps[6]!.content).toMatch(/^exit status: InternalServerError/);
  });
});

describe('OpenAI-message agents that write their calls in text', () => {
  it('reads <function=…> calls answered by the harness, and a rejection as a failed call', () => {
    const t = parse([
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: 'Fix the bug.' },
      { role: 'assistant', content: 'Looking.\n<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>' },
      { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\na.py' },
      { role: 'assistant', content: 'I think it is fixed.' },
      { role: 'user', content: 'Your last response did not include a function call. Please call a tool.' },
      { role: 'assistant', content: 'Sure, what should I do next?' },
      { role: 'user', content: 'Keep going.' },
    ]);

    expect(t.format).toBe('openai-chat');
    expect(calls(t).map((c) => [c.toolName, c.toolInput])).toEqual([['execute_bash', { command: 'ls' }], ['bash', {}]]);
    expect(results(t).map((r) => r.isError ?? false)).toEqual([false, true]);
    expect(t.steps.at(-1)).toMatchObject({ type: 'user', content: 'Keep going.' });
  });

  it('leaves conversations with structured tool calls alone: a fenced block in prose is not a call', () => {
    const t = parse([
      { role: 'user', content: 'How do I list files?' },
      { role: 'assistant', content: 'Use:\n```bash\nls\n```' },
      { role: 'user', content: 'Thanks, now do it.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'a.py' },
    ]);
    expect(calls(t)).toHaveLength(1);
    expect(t.steps.filter((s) => s.type === 'user')).toHaveLength(2);
  });
});

describe('OpenHands SDK events', () => {
  const events = [
    { kind: 'SystemPromptEvent', id: 'e0', source: 'agent', timestamp: '2025-10-30T03:50:30.1', system_prompt: { type: 'text', text: 'You are OpenHands.' }, tools: [] },
    { kind: 'MessageEvent', id: 'e1', source: 'user', llm_message: { role: 'user', content: [{ type: 'text', text: 'Fix it.' }] } },
    { kind: 'ActionEvent', id: 'e2', source: 'agent', thought: [{ type: 'text', text: 'Run the tests.' }], action: { kind: 'ExecuteBashAction', command: 'pytest -q', is_input: false, timeout: null }, tool_name: 'execute_bash', tool_call_id: 'call_1' },
    { kind: 'ObservationEvent', id: 'e3', source: 'environment', tool_name: 'execute_bash', tool_call_id: 'call_1', observation: { kind: 'ExecuteBashObservation', content: [{ type: 'text', text: '1 failed' }], exit_code: 1 } },
    { kind: 'ActionEvent', id: 'e4', source: 'agent', thought: [], action: { kind: 'ThinkAction', thought: 'The parser drops dashes.' }, tool_name: 'think', tool_call_id: 'call_2' },
    { kind: 'ObservationEvent', id: 'e5', source: 'environment', tool_name: 'think', tool_call_id: 'call_2', observation: { kind: 'ThinkObservation', content: [{ type: 'text', text: 'Your thought has been logged.' }] } },
    { kind: 'ActionEvent', id: 'e6', source: 'agent', thought: [], action: { kind: 'FileEditorAction', command: 'view', path: '/w/a.py' }, tool_name: 'file_editor', tool_call_id: 'call_3' },
    { kind: 'AgentErrorEvent', id: 'e7', source: 'agent', tool_name: 'file_editor', tool_call_id: 'call_3', error: 'Invalid path' },
    { kind: 'ConversationStateUpdateEvent', id: 'e8', source: 'environment', key: 'execution_status', value: 'finished' },
    { kind: 'ActionEvent', id: 'e9', source: 'agent', thought: [], action: { kind: 'FinishAction', message: 'Fixed the parser.' }, tool_name: 'finish', tool_call_id: 'call_4' },
    { kind: 'FutureEvent', id: 'e10', source: 'agent' },
  ];

  it('maps messages, actions (with `action` an object), observations, errors and finish; skips bookkeeping; warns on unknown kinds', () => {
    const t = parse(events);

    expect(t.format).toBe('openhands-sdk');
    expect(t.task).toBe('Fix it.');
    expect(t.steps.map((s) => s.type)).toEqual(['system', 'user', 'assistant', 'tool_call', 'tool_result', 'assistant', 'tool_call', 'tool_result', 'assistant', 'tool_call']);
    expect(t.steps[3]).toMatchObject({ toolName: 'execute_bash', toolInput: { command: 'pytest -q', is_input: false }, toolCallId: 'call_1' });
    expect(t.steps[4]).toMatchObject({ exitCode: 1, toolCallId: 'call_1', content: '1 failed' });
    expect(t.steps[7]).toMatchObject({ isError: true, toolCallId: 'call_3' });
    expect(t.steps.at(-1)).toMatchObject({ toolName: 'finish', toolInput: {} });
    expect(t.warnings).toEqual([expect.stringContaining("event kind 'FutureEvent'")]);
  });

  it('takes the task from an evaluation record whose history has no user message', () => {
    const t = parse({ instance_id: 'x', instruction: 'Do the thing.', history: events.slice(2, 4) });
    expect(t.format).toBe('openhands-sdk');
    expect(t.task).toBe('Do the thing.');
  });
});

describe('OpenHands V0 histories from evaluation and resolver output', () => {
  it('reads events without `source` or `id`, the first message being the user’s', () => {
    const t = parse({
      instance_id: 'repo__1',
      history: [
        { action: 'message', args: { content: 'Fix issue 1.', image_urls: null, wait_for_response: false }, message: 'Fix issue 1.' },
        { action: 'run', args: { command: 'pytest -q', thought: 'Check.' }, message: 'Running command: pytest -q' },
        { observation: 'run', content: '2 passed', extras: { command: 'pytest -q', metadata: { exit_code: 0 } }, message: 'Command finished' },
        { action: 'message', args: { content: 'All tests pass.', wait_for_response: false } },
      ],
    });
    expect(t.format).toBe('openhands');
    expect(t.task).toBe('Fix issue 1.');
    expect(t.steps.map((s) => s.type)).toEqual(['user', 'assistant', 'tool_call', 'tool_result', 'assistant']);
    expect(t.steps[3]).toMatchObject({ exitCode: 0 });
  });

  it('reads older histories of [action, observation] pairs', () => {
    const t = parse({
      history: [
        [{ action: 'message', args: { content: 'Task.' } }, { observation: 'null', content: '', extras: {} }],
        [{ action: 'run', args: { command: 'ls' } }, { observation: 'run', content: 'a.py', extras: { exit_code: 0 } }],
      ],
    });
    // The `null` observation answering the user's message is bookkeeping and is skipped.
    expect(t.steps.map((s) => s.type)).toEqual(['user', 'tool_call', 'tool_result']);
    expect(t.steps[2]).toMatchObject({ exitCode: 0, content: 'a.py' });
  });

  it('maps a `read` to the editor’s view, which is not an edit, and a `write` to create, which is', () => {
    const t = parse([
      { id: 1, source: 'user', action: 'message', args: { content: 'Look at a.py' } },
      { id: 2, source: 'agent', action: 'read', args: { path: '/w/a.py', start: 0, end: -1, thought: '', impl_source: 'oh_aci', view_range: null }, tool_call_metadata: { function_name: 'str_replace_editor', tool_call_id: 't1' } },
      { id: 3, source: 'agent', action: 'write', args: { path: '/w/b.py', content: 'x = 1\n' }, tool_call_metadata: { function_name: 'str_replace_editor', tool_call_id: 't2' } },
    ]);
    const [read, write] = calls(t);

    expect(read).toMatchObject({ toolName: 'str_replace_editor', toolInput: { command: 'view', path: '/w/a.py' } });
    expect(analyzeCall(read!.toolName, read!.toolInput).edits).toEqual([]);
    expect(analyzeCall(write!.toolName, write!.toolInput).edits).toEqual([expect.objectContaining({ path: expect.stringContaining('b.py') })]);
  });
});

describe('a supported format with nothing to read', () => {
  it('is an error that says why, never a silent 0 steps', () => {
    const empty = () => parse({ trajectory_format: 'mini-swe-agent-1.1', info: {}, messages: [{ role: 'system', content: ' ' }] });
    expect(empty).toThrow(TrajectoryFormatError);
    expect(empty).toThrow(/at least one step in this mini-swe-agent trajectory.*nothing the adapter reads as a step/);
  });
});
