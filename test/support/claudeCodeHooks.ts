/**
 * Claude Code hook payloads in the shape Claude Code sends them (hooks reference: common fields
 * session_id, transcript_path, cwd, permission_mode, hook_event_name, then the event's own).
 * Bash's tool_response is `{ stdout, stderr, interrupted, isImage }`; a Bash command that exits
 * non-zero is a tool error, reported by PostToolUseFailure with `error: "Exit code N\n<output>"`.
 */
export function hookSession(sessionId: string, cwd = '/home/dev/project') {
  const common = {
    session_id: sessionId,
    transcript_path: `/home/dev/.claude/projects/-home-dev-project/${sessionId}.jsonl`,
    cwd,
    permission_mode: 'default',
  };
  let toolUse = 0;
  const nextToolUseId = () => `toolu_01${sessionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}${String(++toolUse).padStart(6, '0')}`;
  return {
    prompt: (prompt: string) => ({ ...common, hook_event_name: 'UserPromptSubmit', prompt }),
    preBash: (command: string, toolUseId: string, description = 'Run command') =>
      ({ ...common, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command, description }, tool_use_id: toolUseId }),
    postBash: (command: string, toolUseId: string, stdout: string, stderr = '') => ({
      ...common, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command, description: 'Run command' },
      tool_response: { stdout, stderr, interrupted: false, isImage: false }, tool_use_id: toolUseId,
    }),
    failBash: (command: string, toolUseId: string, exitCode: number, output: string) => ({
      ...common, hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_input: { command, description: 'Run command' },
      tool_use_id: toolUseId, error: `Exit code ${exitCode}\n${output}`, is_interrupt: false,
    }),
    preEdit: (filePath: string, oldString: string, newString: string, toolUseId: string) => ({
      ...common, hook_event_name: 'PreToolUse', tool_name: 'Edit',
      tool_input: { file_path: filePath, old_string: oldString, new_string: newString, replace_all: false }, tool_use_id: toolUseId,
    }),
    postEdit: (filePath: string, oldString: string, newString: string, toolUseId: string) => ({
      ...common, hook_event_name: 'PostToolUse', tool_name: 'Edit',
      tool_input: { file_path: filePath, old_string: oldString, new_string: newString, replace_all: false },
      tool_response: { filePath, oldString, newString, originalFile: `${oldString}\n`, structuredPatch: [], userModified: false, replaceAll: false },
      tool_use_id: toolUseId,
    }),
    stop: (lastAssistantMessage: string | undefined, stopHookActive = false) => ({
      ...common, hook_event_name: 'Stop', stop_hook_active: stopHookActive,
      ...(lastAssistantMessage === undefined ? {} : { last_assistant_message: lastAssistantMessage }),
    }),
    nextToolUseId,
  };
}
