import { isSubmitCommand, TextActionTurns } from './chatTurns.ts';
import type { TrajectoryDocument } from './document.ts';
import { isRecord, StepCollector, stringField, textOf, toolInputFrom } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * mini-SWE-agent `.traj.json`: `{ info, messages, trajectory_format: "mini-swe-agent-…" }`.
 * 1.x agents write their one action in a fenced bash block and the harness answers as a user
 * message (`<returncode>…</returncode><output>…`), or with its format-error template; 2.x runs with
 * tool-calling models carry `tool_calls` answered by `tool` messages, and every 2.x run ends with a
 * message of role `exit` (the exit status and the submission or the exception).
 */
export function looksLikeMiniSweAgent(doc: TrajectoryDocument): boolean {
  if (doc.kind !== 'json' || !isRecord(doc.value)) return false;
  const { trajectory_format: format, messages, info } = doc.value;
  if (!Array.isArray(messages)) return false;
  if (typeof format === 'string' && /^mini-swe-agent/i.test(format)) return true;
  return isRecord(info) && typeof info.mini_version === 'string';
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'exit']);

export function convertMiniSweAgent(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const root = doc.kind === 'json' && isRecord(doc.value) ? doc.value : undefined;
  const messages = root?.messages;
  if (!Array.isArray(messages)) throw new TrajectoryFormatError(source, '$.messages', 'an array of mini-SWE-agent messages');
  const collector = new StepCollector(source);
  const turns = new TextActionTurns(collector, 'bash');
  let task: string | undefined;

  messages.forEach((message, i) => {
    const at = `$.messages[${i}]`;
    if (!isRecord(message) || typeof message.role !== 'string') throw new TrajectoryFormatError(source, at, 'a message with a `role`');
    if (!ROLES.has(message.role)) {
      throw new TrajectoryFormatError(source, `${at}.role`, `one of ${[...ROLES].join(', ')}`, JSON.stringify(message.role));
    }
    const content = textOf(message.content) ?? '';
    if (Array.isArray(message.content) && textOf(message.content) === undefined) collector.warn(at, 'content without text parts (images?) left out');
    switch (message.role) {
      case 'system':
        if (content.trim()) collector.add({ type: 'system', content }, at);
        return;
      case 'user':
        if (task === undefined) {
          task = content;
          collector.add({ type: 'user', content }, at);
        } else if (!turns.userMessage(content, at)) {
          collector.add({ type: 'user', content }, at);
        }
        return;
      case 'assistant': {
        const reasoning = stringField(message, 'reasoning_content');
        const text = [reasoning, content].filter((t) => t?.trim()).join('\n\n');
        const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
        if (calls.length === 0) {
          turns.assistantText(text, at);
          return;
        }
        if (text) collector.add({ type: 'assistant', content: text }, at);
        calls.forEach((call, j) => {
          const where = `${at}.tool_calls[${j}]`;
          if (!isRecord(call) || !isRecord(call.function)) throw new TrajectoryFormatError(source, where, 'a tool call with `function`');
          const toolInput = toolInputFrom(call.function.arguments);
          const submits = isRecord(toolInput) && isSubmitCommand(toolInput.command);
          turns.structuredCall({
            type: 'tool_call',
            toolName: submits ? 'submit' : stringField(call.function, 'name') || 'unknown',
            toolInput,
            toolCallId: stringField(call, 'id') || undefined,
          }, where);
        });
        return;
      }
      case 'tool':
        turns.toolResult(content, stringField(message, 'tool_call_id') || undefined, at);
        return;
      case 'exit': {
        turns.end();
        // The harness's closing record: why the run stopped, then the submission or the exception.
        const extra = isRecord(message.extra) ? message.extra : {};
        const status = stringField(extra, 'exit_status') ?? (isRecord(root!.info) ? stringField(root!.info, 'exit_status') : undefined);
        const text = [status ? `exit status: ${status}` : 'exit', content].filter((t) => t.trim()).join('\n\n');
        collector.add({ type: 'system', content: text }, at);
        return;
      }
    }
  });
  turns.end();
  return collector.trajectory(task);
}
