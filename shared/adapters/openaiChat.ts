import type { TrajectoryDocument } from './document.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, StepCollector, stringField, textOf, toolInputFrom } from './steps.ts';
import { TextActionTurns } from './chatTurns.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * OpenAI Chat Completions `messages`: a JSON array of messages, `{ "messages": [...] }` (a request
 * body or a saved conversation), or JSON Lines with one message per line.
 */
export function looksLikeOpenAiChat(doc: TrajectoryDocument): boolean {
  const sample = sampleRecords(listItems(doc, ['messages']));
  return sample.length > 0 && sample.every((m) => typeof m.role === 'string' && CHAT_ROLES.has(m.role) && !('type' in m && m.type !== 'message'));
}

export function convertOpenAiChat(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = listItems(doc, ['messages']);
  if (!items) throw new TrajectoryFormatError(source, '$', 'an array of chat messages or an object with `messages`');
  const collector = new StepCollector(source);
  // Agents without structured tool calls write them in their replies (fenced shell blocks,
  // `<function=…>` blocks); the harness's next message says whether it ran or rejected them.
  const textMode = !items.some(({ value }) => isRecord(value) && ((Array.isArray(value.tool_calls) && value.tool_calls.length > 0) || isRecord(value.function_call)));
  const turns = new TextActionTurns(collector, 'bash');
  let task: string | undefined;

  for (const { value: message, at } of items) {
    if (!isRecord(message) || typeof message.role !== 'string') {
      throw new TrajectoryFormatError(source, at, 'a chat message with a `role`');
    }
    const content = textOf(message.content);
    if (Array.isArray(message.content) && message.content.some((part) => isRecord(part) && typeof part.text !== 'string')) {
      collector.warn(at, 'content parts without text (images, audio, files) left out');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        if (content?.trim()) collector.add({ type: 'system', content }, at);
        break;
      case 'user':
        if (task === undefined) {
          task = content;
          collector.add({ type: 'user', content: content ?? '' }, at);
        } else if (!(textMode && turns.userMessage(content ?? '', at))) {
          collector.add({ type: 'user', content: content ?? '' }, at);
        }
        break;
      case 'assistant': {
        const reasoning = stringField(message, 'reasoning_content');
        const text = [reasoning, content].filter((t) => t?.trim()).join('\n\n');
        if (textMode) {
          turns.assistantText(text, at);
          break;
        }
        if (text) collector.add({ type: 'assistant', content: text }, at);
        const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
        calls.forEach((call, j) => {
          const where = `${at}.tool_calls[${j}]`;
          if (!isRecord(call) || !isRecord(call.function)) throw new TrajectoryFormatError(source, where, 'a tool call with `function`');
          collector.add({
            type: 'tool_call',
            toolName: stringField(call.function, 'name') || 'unknown',
            toolInput: toolInputFrom(call.function.arguments),
            toolCallId: stringField(call, 'id') || undefined,
          }, where);
        });
        // The legacy single `function_call` field predates tool_calls.
        if (calls.length === 0 && isRecord(message.function_call)) {
          collector.add({
            type: 'tool_call',
            toolName: stringField(message.function_call, 'name') || 'unknown',
            toolInput: toolInputFrom(message.function_call.arguments),
          }, `${at}.function_call`);
        }
        break;
      }
      case 'tool':
      case 'function':
        collector.add({
          type: 'tool_result',
          content: content ?? '',
          toolCallId: stringField(message, 'tool_call_id') || undefined,
        }, at);
        break;
      default:
        throw new TrajectoryFormatError(source, `${at}.role`, `one of ${[...CHAT_ROLES].join(', ')}`, JSON.stringify(message.role));
    }
  }
  if (textMode) turns.end();
  return collector.trajectory(task);
}
