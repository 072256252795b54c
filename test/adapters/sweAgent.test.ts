import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrajectory, parseTrajectory, TrajectoryFormatError } from '../../shared/adapters/index.ts';
import { classicToolCall } from '../../shared/adapters/sweAgent.ts';
import { StepSchema } from '../../shared/steps.ts';

const REAL_DIR = join(import.meta.dirname, '../fixtures/swe-agent-demos');
const FIXTURES = join(import.meta.dirname, '../fixtures/trajectories');
const realFiles = readdirSync(REAL_DIR).filter((name) => name.endsWith('.traj'));

describe('SWE-agent adapter on every real trajectory', () => {
  it.each(realFiles)('%s converts to valid, contiguous canonical steps', async (name) => {
    const trajectory = await loadTrajectory(join(REAL_DIR, name));

    expect(trajectory.format).toBe('swe-agent');
    expect(trajectory.task).toMatch(/solving the following/);
    expect(trajectory.steps[0]).toMatchObject({ index: 0, type: 'user', content: trajectory.task });
    trajectory.steps.forEach((step, i) => {
      expect(step.index).toBe(i);
      expect(StepSchema.safeParse(step).success).toBe(true);
    });
    const calls = trajectory.steps.filter((s) => s.type === 'tool_call').length;
    const results = trajectory.steps.filter((s) => s.type === 'tool_result').length;
    expect(calls).toBeGreaterThan(0);
    expect(results).toBe(calls);
  });
});

describe('SWE-agent classic format', () => {
  it('maps each trajectory entry to thought, call and observation in order', async () => {
    const trajectory = await loadTrajectory(join(FIXTURES, 'swe-agent-classic.traj'));

    expect(trajectory.steps.slice(1, 4).map((s) => s.type)).toEqual(['assistant', 'tool_call', 'tool_result']);
    expect(trajectory.steps[2]).toMatchObject({ toolName: 'bash', toolInput: { command: 'ls -a' } });
    expect(trajectory.steps.find((s) => s.toolName === 'open')).toMatchObject({ toolInput: { command: 'open main.py' } });
    expect(trajectory.steps.filter((s) => s.type === 'tool_call').at(-1)).toMatchObject({ toolName: 'submit' });
  });

  it('names SWE-agent tools and treats anything else as a shell command', () => {
    expect(classicToolCall('scroll_down\n')).toEqual({ type: 'tool_call', toolName: 'scroll_down', toolInput: { command: 'scroll_down' } });
    expect(classicToolCall('edit 1:2\nfoo\nend_of_edit\n')).toMatchObject({ toolName: 'edit' });
    expect(classicToolCall('python reproduce.py')).toMatchObject({ toolName: 'bash' });
    expect(classicToolCall('openssl version')).toMatchObject({ toolName: 'bash' });
  });
});

describe('SWE-agent function calling (history only)', () => {
  it('keeps structured arguments and pairs results by tool call id', async () => {
    const trajectory = await loadTrajectory(join(FIXTURES, 'swe-agent-function-calling.traj'));
    const calls = trajectory.steps.filter((s) => s.type === 'tool_call');
    const results = trajectory.steps.filter((s) => s.type === 'tool_result');

    expect(calls[0]).toMatchObject({ toolName: 'find_file', toolInput: { file_name: 'missing_colon.py' } });
    expect(calls.find((c) => c.toolName === 'bash')).toMatchObject({ toolInput: { command: 'python tests/missing_colon.py' } });
    expect(results.map((r) => r.toolCallId)).toEqual(calls.map((c) => c.toolCallId));
    expect(results[0]?.content).toContain('Found 1 matches');
  });
});

describe('SWE-agent errors', () => {
  it('names the file and the JSON path of a malformed entry', () => {
    const text = JSON.stringify({ trajectory: [{ action: 'ls', observation: '' }, 'oops'] });

    expect(() => parseTrajectory(text, 'bad.traj', 'swe-agent')).toThrow(TrajectoryFormatError);
    expect(() => parseTrajectory(text, 'bad.traj', 'swe-agent')).toThrow(/^bad\.traj: \$\.trajectory\[1\]: expected an object/);
  });

  it('rejects a .traj without trajectory or history', () => {
    expect(() => parseTrajectory('{"info": {}}', 'empty.traj', 'swe-agent')).toThrow(/empty\.traj: \$: expected a `trajectory` or `history` array/);
  });
});
