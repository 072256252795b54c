import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrajectory, parseTrajectory, TRAJECTORY_FORMATS, type Trajectory } from '../../shared/adapters/index.ts';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../../shared/detection/engine.ts';
import { StepSchema } from '../../shared/steps.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/trajectories');
const load = (name: string): Promise<Trajectory> => loadTrajectory(join(FIXTURES, name));

function expectValidSteps(trajectory: Trajectory): void {
  trajectory.steps.forEach((step, i) => {
    expect(step.index).toBe(i);
    expect(StepSchema.safeParse(step).success).toBe(true);
  });
}

/** Every tool result answers a call made before it with the same id. */
function expectResultsPaired(trajectory: Trajectory): void {
  for (const result of trajectory.steps.filter((s) => s.type === 'tool_result')) {
    const call = trajectory.steps.find((s) => s.type === 'tool_call' && s.toolCallId === result.toolCallId);
    expect(call, `call for result ${result.index}`).toBeDefined();
    expect(call!.index).toBeLessThan(result.index);
  }
}

describe('auto-detection picks the right adapter for each sample', () => {
  it.each([
    ['swe-agent-classic.traj', 'swe-agent'],
    ['swe-agent-function-calling.traj', 'swe-agent'],
    ['swe-agent-repeated-submit.traj', 'swe-agent'],
    ['openhands-events.json', 'openhands'],
    ['openai-chat.json', 'openai-chat'],
    ['openai-responses.json', 'openai-responses'],
    ['claude-code.jsonl', 'claude-code'],
  ] as const)('%s is %s', async (name, format) => {
    const trajectory = await load(name);

    expect(trajectory.format).toBe(format);
    expect(trajectory.task).toBeTruthy();
    expectValidSteps(trajectory);
  });
});

describe('OpenHands event streams', () => {
  it('maps messages, thoughts, actions and observations, keeping exit codes and pairing by tool call id', async () => {
    const trajectory = await load('openhands-events.json');
    const calls = trajectory.steps.filter((s) => s.type === 'tool_call');
    const results = trajectory.steps.filter((s) => s.type === 'tool_result');

    expect(trajectory.steps[0]).toMatchObject({ type: 'user', content: trajectory.task });
    expect(calls.find((c) => c.toolName === 'execute_bash')?.toolInput).toEqual({ command: 'cd /workspace/slugkit && python -m pytest tests/test_slugify.py -q' });
    expect(results.map((r) => r.exitCode)).toEqual([undefined, 1, 1, 1, undefined, 0]);
    expect(trajectory.steps.at(-2)).toMatchObject({ type: 'assistant', content: expect.stringContaining('collapses runs') });
    expect(trajectory.steps.at(-1)).toEqual({
      index: trajectory.steps.length - 1,
      type: 'tool_call',
      toolName: 'finish',
      toolInput: { outputs: {}, task_completed: 'true' },
      toolCallId: 'toolu_01FinishZ',
      timestamp: '2025-03-14T09:12:40.316Z',
    });
    expect(trajectory.steps.some((s) => s.content?.includes('OpenHands agent'))).toBe(false);
    expectResultsPaired(trajectory);
  });

  it('pairs observations by `cause` when there is no tool call metadata, and marks error observations', () => {
    const events = [
      { id: 0, source: 'user', action: 'message', args: { content: 'list files' }, timestamp: '2024-06-01T10:00:00' },
      { id: 1, source: 'agent', action: 'run', args: { command: 'ls', thought: '' } },
      { id: 2, source: 'agent', cause: 1, observation: 'error', content: 'sandbox timed out', extras: {} },
    ];

    const trajectory = parseTrajectory(JSON.stringify(events), 'events.json');

    expect(trajectory.steps[0]?.timestamp).toBe('2024-06-01T10:00:00.000Z');
    expect(trajectory.steps[1]).toMatchObject({ type: 'tool_call', toolName: 'execute_bash', toolCallId: 'openhands-event-1' });
    expect(trajectory.steps[2]).toMatchObject({ type: 'tool_result', toolCallId: 'openhands-event-1', isError: true });
  });
});

describe('OpenHands finish', () => {
  it('is a finish call, so finishing right after a failing test run is premature whatever the closing words', () => {
    const events = [
      { id: 0, source: 'user', action: 'message', args: { content: 'Fix slugify so the tests pass.' } },
      { id: 1, source: 'agent', action: 'run', args: { command: 'python -m pytest -q' } },
      { id: 2, source: 'agent', cause: 1, observation: 'run', content: 'FAILED tests/test_slugify.py::test_dashes\n1 failed, 3 passed', extras: { metadata: { exit_code: 1 } } },
      { id: 3, source: 'agent', action: 'finish', args: { final_thought: 'Handing this back now.', task_completed: 'partial', thought: '' } },
    ];

    const trajectory = parseTrajectory(JSON.stringify(events), 'events.json');
    const session = { sessionId: 's', task: trajectory.task ?? '', constraints: [], policy: {} };
    const observation = observeSteps(session, initialDetectionState(), trajectory.steps, { thresholds: DEFAULT_THRESHOLDS });

    expect(trajectory.steps.slice(-2)).toMatchObject([
      { type: 'assistant', content: 'Handing this back now.' },
      { type: 'tool_call', toolName: 'finish', toolInput: { task_completed: 'partial' }, toolCallId: 'openhands-event-3' },
    ]);
    expect(observation.interventions.map((i) => i.subtype)).toEqual(['premature_completion']);
  });
});

describe('OpenAI Chat Completions messages', () => {
  it('maps assistant tool_calls with parsed arguments and tool messages by tool_call_id', async () => {
    const trajectory = await load('openai-chat.json');
    const calls = trajectory.steps.filter((s) => s.type === 'tool_call');

    expect(trajectory.steps.slice(0, 2).map((s) => s.type)).toEqual(['system', 'user']);
    expect(calls).toHaveLength(6);
    expect(calls[0]).toMatchObject({ toolName: 'shell', toolInput: { command: 'npm run build' }, toolCallId: 'call_01aZ9kQw' });
    expect(trajectory.steps.filter((s) => s.type === 'assistant').map((s) => s.content)).toContain("The script is called `compile`. I'll add a `build` alias.");
    expectResultsPaired(trajectory);
  });

  it('keeps arguments that are not a JSON object as the raw string (a malformed call stays visible)', () => {
    const messages = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'shell', arguments: '{"command": "ls' } }] },
    ];

    const trajectory = parseTrajectory(JSON.stringify(messages), 'chat.json');

    expect(trajectory.steps[1]).toMatchObject({ type: 'tool_call', toolInput: '{"command": "ls' });
  });
});

describe('OpenAI Responses API items', () => {
  it('maps reasoning, function calls, local shell calls and their outputs', async () => {
    const trajectory = await load('openai-responses.json');
    const calls = trajectory.steps.filter((s) => s.type === 'tool_call');

    expect(trajectory.task).toBe('Add a --verbose flag to cli.py and make sure the tests pass.');
    expect(calls.map((c) => c.toolInput)).toEqual([
      { command: 'sed -n 1,40p cli.py' },
      { input: expect.stringContaining('--verbose') },
      { command: 'pytest -q' },
    ]);
    expect(trajectory.steps.at(-1)).toMatchObject({ type: 'assistant', content: 'Added the --verbose flag. All tests pass.' });
    expectResultsPaired(trajectory);
  });

  it('reads a saved request/response pair as input followed by output', () => {
    const saved = {
      input: [{ role: 'user', content: 'hi' }],
      output: [{ type: 'function_call', call_id: 'x', name: 'shell', arguments: '{"command":["ls","-la"]}' }],
    };

    const trajectory = parseTrajectory(JSON.stringify(saved), 'pair.json', 'openai-responses');

    expect(trajectory.steps.map((s) => s.type)).toEqual(['user', 'tool_call']);
    expect(trajectory.steps[1]?.toolInput).toEqual({ command: 'ls -la' });
  });
});

describe('Claude Code JSONL transcripts', () => {
  it('maps text, thinking, tool_use and tool_result blocks, with is_error and per-message tokens', async () => {
    const trajectory = await load('claude-code.jsonl');
    const results = trajectory.steps.filter((s) => s.type === 'tool_result');
    const tokenSteps = trajectory.steps.filter((s) => s.tokens);

    expect(trajectory.steps[1]).toMatchObject({ type: 'assistant', content: 'The test probably depends on the local timezone.' });
    expect(trajectory.steps.find((s) => s.toolName === 'Bash')?.toolInput).toMatchObject({ command: 'TZ=UTC python -m pytest tests/test_due.py -q' });
    expect(results.map((r) => r.isError)).toEqual([false, true, true, true, false, false]);
    // Seven assistant messages, some split over several lines: usage is counted once per message.
    expect(tokenSteps).toHaveLength(7);
    expectResultsPaired(trajectory);
  });

  it('keeps inline sidechain entries apart as a sub-run and turns meta entries into system steps', () => {
    const base = { uuid: 'u', sessionId: 's', timestamp: '2025-01-01T00:00:00Z' };
    const lines = [
      { ...base, type: 'user', message: { role: 'user', content: 'main task' } },
      { ...base, type: 'user', isSidechain: true, message: { role: 'user', content: 'sub-agent prompt' } },
      { ...base, type: 'user', isMeta: true, message: { role: 'user', content: 'Skill text the harness loaded' } },
    ];

    const trajectory = parseTrajectory(lines.map((l) => JSON.stringify(l)).join('\n'), 'cc.jsonl');

    expect(trajectory.task).toBe('main task');
    expect(trajectory.steps.map((s) => [s.type, s.content])).toEqual([['user', 'main task'], ['system', 'Skill text the harness loaded']]);
    expect(trajectory.subRuns).toMatchObject([{ id: 'sidechain', task: 'sub-agent prompt', steps: [{ type: 'user', content: 'sub-agent prompt' }] }]);
  });
});

describe('canonical JSONL', () => {
  it('round-trips any converted trajectory losslessly', async () => {
    const original = await load('openhands-events.json');
    const jsonl = original.steps.map((s) => JSON.stringify(s)).join('\n');

    const reread = parseTrajectory(jsonl, 'steps.jsonl');

    expect(reread.format).toBe('canonical');
    expect(reread.steps).toEqual(original.steps);
    expect(reread.task).toBe(original.task);
  });

  it('names the line of an invalid step and of an index gap', () => {
    const good = JSON.stringify({ index: 0, type: 'user', content: 'x' });

    expect(() => parseTrajectory(`${good}\n{"index":1,"type":"robot"}`, 's.jsonl')).toThrow(/^s\.jsonl: line 2: expected a step object \(type:/);
    expect(() => parseTrajectory(`${good}\n{"index":2,"type":"assistant"}`, 's.jsonl')).toThrow(/^s\.jsonl: line 2: expected step index 1 .*found 2$/);
  });
});

describe('errors name the file, where, and what was expected', () => {
  it('broken JSON gives the line and column', () => {
    expect(() => parseTrajectory('{\n  "trajectory": [,]\n}', 'broken.traj')).toThrow(/^broken\.traj: line 2, column \d+: expected valid JSON/);
  });

  it('a broken JSON Lines entry gives its line', () => {
    expect(() => parseTrajectory('{"type":"user"}\n{"type": nope}\n', 'x.jsonl')).toThrow(/^x\.jsonl: line 2: expected one JSON value per line/);
  });

  it('an unrecognised document lists the formats', () => {
    expect(() => parseTrajectory('{"hello": "world"}', 'what.json')).toThrow(
      new RegExp(`^what\\.json: \\$: expected a trajectory in one of these formats: ${TRAJECTORY_FORMATS.join(', ')}`),
    );
  });

  it('an empty file and a missing file are reported, not crashed on', async () => {
    expect(() => parseTrajectory('  \n', 'empty.json')).toThrow(/empty\.json: line 1: .*an empty file/);
    await expect(loadTrajectory('/nonexistent/run.traj')).rejects.toThrow(/\/nonexistent\/run\.traj: file: expected a readable trajectory file, found no such file/);
  });

  it('a forced format that does not fit says what it expected where', () => {
    expect(() => parseTrajectory('[{"role":"user","content":"x"}, 3]', 'chat.json', 'openai-chat')).toThrow(/^chat\.json: \$\[1\]: expected a chat message with a `role`/);
  });
});
