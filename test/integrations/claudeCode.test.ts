import { describe, expect, it } from 'vitest';
import {
  HookPayloadError,
  MAX_TEXT_CHARS,
  canCarryGuidance,
  hookAnswer,
  hookSteps,
  parseHookPayload,
  sessionTaskFor,
} from '../../shared/integrations/claudeCode.ts';
import { StepSchema } from '../../shared/steps.ts';
import { hookSession } from '../support/claudeCodeHooks.ts';

const cc = hookSession('5f1c2a9e-0d4b-4c47-9a55-3b1f0e8d7c21');
const steps = (payload: unknown) => hookSteps(parseHookPayload(payload));

describe('Claude Code hook payload → steps', () => {
  it('maps UserPromptSubmit to a user step and makes it the task', () => {
    const payload = cc.prompt('Fix the failing import in app.py');
    expect(steps(payload)).toEqual([{ step: { type: 'user', content: 'Fix the failing import in app.py' } }]);
    expect(sessionTaskFor(parseHookPayload(payload))).toBe('Fix the failing import in app.py');
  });

  it('names the working directory as the task when the first event is not a prompt', () => {
    expect(sessionTaskFor(parseHookPayload(cc.preBash('ls', 'toolu_1')))).toBe('Claude Code session in /home/dev/project');
  });

  it('maps PreToolUse to a tool_call keyed by tool_use_id', () => {
    expect(steps(cc.preBash('python app.py', 'toolu_1'))).toEqual([{
      step: { type: 'tool_call', toolName: 'Bash', toolInput: { command: 'python app.py', description: 'Run command' }, toolCallId: 'toolu_1' },
      dedupeKey: { event: 'PreToolUse', toolUseId: 'toolu_1' },
    }]);
  });

  it('maps PostToolUse to a tool_result with Bash stdout and stderr', () => {
    expect(steps(cc.postBash('pytest -q', 'toolu_2', '3 passed in 0.02s', 'warning: x'))).toEqual([{
      step: { type: 'tool_result', toolCallId: 'toolu_2', content: '3 passed in 0.02s\nwarning: x' },
      dedupeKey: { event: 'PostToolUse', toolUseId: 'toolu_2' },
    }]);
  });

  it('reads isError and an exit code from a tool_response that carries them', () => {
    const payload = { ...cc.postBash('make', 'toolu_3', ''), tool_response: { content: 'boom', is_error: true, exit_code: 2 } };
    expect(steps(payload)[0]!.step).toEqual({ type: 'tool_result', toolCallId: 'toolu_3', content: 'boom', isError: true, exitCode: 2 });
  });

  it('maps PostToolUseFailure to a failed tool_result with the exit code from the error text', () => {
    expect(steps(cc.failBash('python app.py', 'toolu_4', 1, "ModuleNotFoundError: No module named 'requests'"))[0]!.step).toEqual({
      type: 'tool_result', toolCallId: 'toolu_4', content: "Exit code 1\nModuleNotFoundError: No module named 'requests'", isError: true, exitCode: 1,
    });
  });

  it('maps Stop to the final assistant message when given, and to nothing otherwise', () => {
    expect(steps(cc.stop('Done: the import is fixed.'))).toEqual([{ step: { type: 'assistant', content: 'Done: the import is fixed.' } }]);
    expect(steps(cc.stop(undefined))).toEqual([]);
    expect(steps({ ...cc.stop(undefined), hook_event_name: 'SubagentStop' })).toEqual([]);
  });

  it('puts transcript text from the command hook first, and does not repeat the Stop message it already holds', () => {
    const payload = { ...cc.stop('All done.'), wink_transcript_text: [{ offset: 0, text: 'Let me check.' }, { offset: 120, text: 'All done.' }] };
    expect(steps(payload).map((s) => [s.step.content, s.dedupeKey?.toolUseId])).toEqual([['Let me check.', '0'], ['All done.', '120']]);
  });

  it('keeps every step within the API limits, however large the tool input or output', () => {
    const huge = 'x'.repeat(600_000);
    const mapped = [
      ...steps({ ...cc.preBash('cat big', 'toolu_5'), tool_input: { file_path: 'a.txt', content: huge, nested: { blob: huge } } }),
      ...steps(cc.postBash('cat big', 'toolu_5', huge)),
    ];
    for (const { step } of mapped) {
      expect(StepSchema.safeParse({ ...step, index: 0 }).success).toBe(true);
      expect(JSON.stringify(step).length).toBeLessThan(4 * MAX_TEXT_CHARS);
    }
  });

  it('rejects a payload without session_id or hook_event_name, naming the field', () => {
    expect(() => parseHookPayload({ hook_event_name: 'Stop' })).toThrow(HookPayloadError);
    expect(() => parseHookPayload({ hook_event_name: 'Stop' })).toThrow(/session_id/);
    expect(() => parseHookPayload({ session_id: 's' })).toThrow(/hook_event_name/);
    expect(() => parseHookPayload({ session_id: 's', hook_event_name: 'PreToolUse' })).toThrow(/tool_name/);
    expect(() => parseHookPayload('not an object')).toThrow(HookPayloadError);
  });
});

describe('Wink guidance → Claude Code hook answer', () => {
  const nudge = [{ guidance: 'Stop re-running `python app.py`: install requests first.' }];

  it('answers {} when nothing is pending', () => {
    expect(hookAnswer(parseHookPayload(cc.failBash('x', 't', 1, 'e')), [])).toEqual({});
  });

  it('puts guidance in additionalContext for the events that take it', () => {
    for (const payload of [cc.prompt('go'), cc.preBash('ls', 't'), cc.postBash('ls', 't', ''), cc.failBash('ls', 't', 1, 'e')]) {
      expect(hookAnswer(parseHookPayload(payload), nudge)).toEqual({
        hookSpecificOutput: { hookEventName: payload.hook_event_name, additionalContext: `Wink (agent monitor): ${nudge[0]!.guidance}` },
      });
    }
  });

  it('blocks a Stop with the guidance as the reason', () => {
    expect(hookAnswer(parseHookPayload(cc.stop('Done')), nudge)).toEqual({ decision: 'block', reason: `Wink (agent monitor): ${nudge[0]!.guidance}` });
  });

  it('never blocks a Stop when stop_hook_active is true twice in a row', () => {
    expect(canCarryGuidance(parseHookPayload(cc.stop('Done', false)), undefined)).toBe(true);
    expect(canCarryGuidance(parseHookPayload(cc.stop('Done', true)), false)).toBe(true);
    expect(canCarryGuidance(parseHookPayload(cc.stop('Done', true)), true)).toBe(false);
    expect(canCarryGuidance(parseHookPayload({ ...cc.stop('Done'), hook_event_name: 'SubagentStop' }), undefined)).toBe(false);
  });
});
