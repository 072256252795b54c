import type { TrajectoryDocument } from './document.ts';
import { isRecord, StepCollector, stringField, textOf, toolInputFrom, type StepDraft } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * SWE-agent's own tools (ACI commands, windowed editor, CTF and debugger tools). A classic-format
 * action starting with one of these is a call of that tool; any other action is a shell command.
 */
export const SWE_AGENT_TOOLS: ReadonlySet<string> = new Set([
  'open', 'goto', 'scroll_up', 'scroll_down', 'create', 'edit', 'insert', 'append', 'set_cursors',
  'search_dir', 'search_file', 'find_file', 'filemap', 'submit', 'str_replace_editor', 'review_on_submit',
  'exit_forfeit', 'forfeit', 'exit_cost', 'exit_context', 'exit_error', 'exit_format',
  'decompile', 'disassemble', 'connect_start', 'connect_sendline', 'connect_exec', 'connect_stop',
  'debug_start', 'debug_add_breakpoint', 'debug_continue', 'debug_step', 'debug_exec', 'debug_stop',
]);

/** A `.traj` file: an object with a `trajectory` list of steps and/or a `history` list of chat messages. */
export function looksLikeSweAgent(doc: TrajectoryDocument): boolean {
  if (doc.kind !== 'json' || !isRecord(doc.value)) return false;
  const { trajectory, history } = doc.value;
  if (Array.isArray(trajectory)) return true;
  return Array.isArray(history) && history.some((m) => isRecord(m) && typeof m.role === 'string' && 'agent' in m);
}

/** A classic SWE-agent action string as a tool call: its own tool when it names one, else bash. */
export function classicToolCall(action: string): StepDraft {
  const command = action.trim();
  const first = /^\S+/.exec(command)?.[0] ?? '';
  return { type: 'tool_call', toolName: SWE_AGENT_TOOLS.has(first) ? first : 'bash', toolInput: { command } };
}

/**
 * Function-calling runs keep structured arguments and call ids only in `history`, so history is
 * read when any message carries `tool_calls`; otherwise `trajectory` (action/observation/thought)
 * is the clearest record; files holding only a classic history are read from it.
 */
export function convertSweAgent(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  if (doc.kind !== 'json' || !isRecord(doc.value)) {
    throw new TrajectoryFormatError(source, '$', 'a SWE-agent .traj object with `trajectory` or `history`');
  }
  const root = doc.value;
  const history = optionalArray(root, 'history', source);
  const trajectory = optionalArray(root, 'trajectory', source);
  if (!history && !trajectory) {
    throw new TrajectoryFormatError(source, '$', 'a `trajectory` or `history` array');
  }

  const collector = new StepCollector(source);
  const taskIndex = history?.findIndex((m) => isRecord(m) && m.role === 'user' && m.is_demo !== true) ?? -1;
  const task = taskIndex >= 0 ? textOf((history![taskIndex] as Record<string, unknown>).content) : undefined;
  if (task !== undefined) collector.add({ type: 'user', content: task }, `$.history[${taskIndex}]`);

  const functionCalling = history?.some((m) => isRecord(m) && Array.isArray(m.tool_calls) && m.tool_calls.length > 0);
  if (history && (functionCalling || !trajectory || trajectory.length === 0)) {
    addHistory(collector, history, taskIndex + 1);
  } else if (trajectory) {
    addTrajectory(collector, trajectory, source);
  }
  return { ...(task === undefined ? {} : { task }), steps: collector.finish() };
}

function addTrajectory(collector: StepCollector, trajectory: unknown[], source: string): void {
  trajectory.forEach((entry, i) => {
    const at = `$.trajectory[${i}]`;
    if (!isRecord(entry)) throw new TrajectoryFormatError(source, at, 'an object with `action` and `observation`');
    const thought = stringField(entry, 'thought') ?? stringField(entry, 'response');
    if (thought?.trim()) collector.add({ type: 'assistant', content: thought.trim() }, at);
    const action = stringField(entry, 'action');
    if (action?.trim()) {
      collector.add(classicToolCall(action), `${at}.action`);
      collector.add({ type: 'tool_result', content: stringField(entry, 'observation') ?? '' }, `${at}.observation`);
    }
  });
}

function addHistory(collector: StepCollector, history: unknown[], start: number): void {
  let awaitingObservation = false;
  for (let i = start; i < history.length; i += 1) {
    const message = history[i];
    const at = `$.history[${i}]`;
    if (!isRecord(message) || message.is_demo === true) continue;
    const content = textOf(message.content);
    if (message.role === 'assistant') {
      const thought = stringField(message, 'thought') ?? content;
      if (thought?.trim()) collector.add({ type: 'assistant', content: thought.trim() }, at);
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
      calls.forEach((call, j) => collector.add(functionCall(call), `${at}.tool_calls[${j}]`));
      const action = stringField(message, 'action');
      awaitingObservation = calls.length === 0 && Boolean(action?.trim());
      if (awaitingObservation) collector.add(classicToolCall(action!), `${at}.action`);
    } else if (message.role === 'tool') {
      const ids = Array.isArray(message.tool_call_ids) ? message.tool_call_ids : [];
      const toolCallId = typeof ids[0] === 'string' ? ids[0] : stringField(message, 'tool_call_id');
      collector.add({ type: 'tool_result', content: content ?? '', toolCallId }, at);
    } else if (message.role === 'user') {
      // In classic histories the environment's observation comes back as a user message.
      collector.add(awaitingObservation ? { type: 'tool_result', content: content ?? '' } : { type: 'user', content: content ?? '' }, at);
      awaitingObservation = false;
    }
  }
}

function functionCall(call: unknown): StepDraft {
  const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
  const name = stringField(fn, 'name');
  return {
    type: 'tool_call',
    toolName: name || 'unknown',
    toolInput: toolInputFrom(fn.arguments),
    toolCallId: isRecord(call) ? stringField(call, 'id') || undefined : undefined,
  };
}

function optionalArray(root: Record<string, unknown>, key: string, source: string): unknown[] | undefined {
  const value = root[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new TrajectoryFormatError(source, `$.${key}`, 'an array', typeof value);
  return value;
}
