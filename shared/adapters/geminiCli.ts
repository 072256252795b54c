import type { TrajectoryDocument } from './document.ts';
import { SkippedContent } from './anthropicContent.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, normalizeTimestamp, StepCollector, stringField, type StepDraft } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * Gemini CLI recordings, in both forms the CLI writes:
 * - `--output-format stream-json`: JSON Lines of events `init` (session_id, model), `message`
 *   (role user | assistant, `delta: true` for streamed chunks), `tool_use` (tool_name, tool_id,
 *   parameters), `tool_result` (tool_id, status success | error, output, error), `error`
 *   (severity, message) and a closing `result` (status, stats);
 * - the session file (`~/.gemini/tmp/<project>/chats/session-*.json`): `{ sessionId, projectHash,
 *   messages }`, messages of type user | gemini | info | warning | error, a gemini message with
 *   `thoughts`, `content`, `toolCalls` (each with its `result`) and `tokens`.
 */
const EVENT_TYPES = new Set(['init', 'message', 'tool_use', 'tool_result', 'error', 'result']);

export function looksLikeGeminiCli(doc: TrajectoryDocument): boolean {
  if (isSessionFile(doc)) return true;
  if (doc.kind !== 'jsonl') return false;
  const sample = sampleRecords(listItems(doc), 10);
  return sample.some((event) => event.type === 'init' && typeof event.session_id === 'string')
    || sample.some((event) => event.type === 'tool_use' && typeof event.tool_name === 'string' && 'tool_id' in event);
}

export function convertGeminiCli(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  if (isSessionFile(doc)) return convertSessionFile(doc.value.messages, source);
  const items = listItems(doc);
  if (!items) throw new TrajectoryFormatError(source, '$', 'Gemini CLI stream-json: one event per line');
  const collector = new StepCollector(source);
  const skipped = new SkippedContent();
  let task: string | undefined;
  // Streamed assistant chunks are gathered into one step, flushed when anything else arrives.
  let pending: { draft: StepDraft; at: string } | undefined;
  const flush = (): void => {
    if (pending && pending.draft.content?.trim()) collector.add(pending.draft, pending.at);
    pending = undefined;
  };

  for (const { value: event, at } of items) {
    if (!isRecord(event)) throw new TrajectoryFormatError(source, at, 'a stream-json event object');
    const type = stringField(event, 'type');
    const timestamp = normalizeTimestamp(event.timestamp);
    if (type === undefined || !EVENT_TYPES.has(type)) {
      skipped.add(`events of type ${JSON.stringify(type ?? null)}`);
      continue;
    }
    if (type === 'message' && event.role === 'assistant') {
      const chunk = typeof event.content === 'string' ? event.content : '';
      if (pending && event.delta === true) pending.draft.content += chunk;
      else {
        flush();
        pending = { draft: { type: 'assistant', content: chunk, timestamp }, at };
      }
      continue;
    }
    flush();
    switch (type) {
      case 'message': {
        const content = typeof event.content === 'string' ? event.content : '';
        if (event.role !== 'user') throw new TrajectoryFormatError(source, `${at}.role`, 'user or assistant', JSON.stringify(event.role));
        task ??= content;
        collector.add({ type: 'user', content, timestamp }, at);
        break;
      }
      case 'tool_use':
        collector.add({
          type: 'tool_call',
          toolName: stringField(event, 'tool_name') || 'unknown',
          toolInput: isRecord(event.parameters) ? event.parameters : {},
          toolCallId: stringField(event, 'tool_id') || undefined,
          timestamp,
        }, at);
        break;
      case 'tool_result': {
        const error = isRecord(event.error) ? stringField(event.error, 'message') : undefined;
        const output = typeof event.output === 'string' ? event.output : undefined;
        collector.add({
          type: 'tool_result',
          content: [output, error].filter((text) => text !== undefined && text !== '').join('\n'),
          toolCallId: stringField(event, 'tool_id') || undefined,
          isError: event.status === 'error' ? true : event.status === 'success' ? false : undefined,
          timestamp,
        }, at);
        break;
      }
      case 'error':
        collector.add({ type: 'system', content: `${stringField(event, 'severity') ?? 'error'}: ${stringField(event, 'message') ?? ''}`, timestamp }, at);
        break;
      case 'result':
        if (event.status === 'error') {
          const message = isRecord(event.error) ? stringField(event.error, 'message') : undefined;
          collector.add({ type: 'system', content: `run failed: ${message ?? 'unknown error'}`, timestamp }, at);
        }
        break;
      default:
        // init: session metadata only.
        break;
    }
  }
  flush();
  const warnings = skipped.warnings();
  return { ...(task === undefined ? {} : { task }), steps: collector.finish(), ...(warnings.length > 0 ? { warnings } : {}) };
}

const SESSION_MESSAGE_TYPES = new Set(['user', 'gemini', 'info', 'warning', 'error']);

function isSessionFile(doc: TrajectoryDocument): doc is { kind: 'json'; value: { messages: unknown[] } } {
  return doc.kind === 'json' && isRecord(doc.value) && ('projectHash' in doc.value || 'sessionId' in doc.value) && Array.isArray(doc.value.messages)
    && doc.value.messages.every((m) => isRecord(m) && typeof m.type === 'string' && SESSION_MESSAGE_TYPES.has(m.type));
}

function convertSessionFile(messages: unknown[], source: string): Omit<Trajectory, 'source' | 'format'> {
  const collector = new StepCollector(source);
  const skipped = new SkippedContent();
  let task: string | undefined;
  messages.forEach((message, i) => {
    const at = `$.messages[${i}]`;
    if (!isRecord(message)) throw new TrajectoryFormatError(source, at, 'a message object');
    const timestamp = normalizeTimestamp(message.timestamp);
    const content = typeof message.content === 'string' ? message.content : textOfParts(message.content, skipped);
    switch (message.type) {
      case 'user':
        task ??= content;
        collector.add({ type: 'user', content, timestamp }, at);
        return;
      case 'gemini': {
        const tokens = isRecord(message.tokens) && Number.isInteger(message.tokens.input) && Number.isInteger(message.tokens.output)
          ? { input: message.tokens.input as number, output: message.tokens.output as number } : undefined;
        const thoughts = Array.isArray(message.thoughts)
          ? message.thoughts.filter(isRecord).map((t) => [stringField(t, 'subject'), stringField(t, 'description')].filter(Boolean).join(': ')).filter(Boolean).join('\n')
          : '';
        const text = [thoughts, content].filter((part) => part.trim()).join('\n\n');
        if (text) collector.add({ type: 'assistant', content: text, timestamp, ...(tokens ? { tokens } : {}) }, at);
        const calls = Array.isArray(message.toolCalls) ? message.toolCalls : [];
        calls.forEach((call, j) => {
          const where = `${at}.toolCalls[${j}]`;
          if (!isRecord(call)) throw new TrajectoryFormatError(source, where, 'a tool call object');
          const id = stringField(call, 'id') || undefined;
          collector.add({ type: 'tool_call', toolName: stringField(call, 'name') || 'unknown', toolInput: isRecord(call.args) ? call.args : {}, toolCallId: id, timestamp }, where);
          collector.add({
            type: 'tool_result',
            content: toolCallOutput(call),
            toolCallId: id,
            isError: call.status === 'error' ? true : call.status === 'success' ? false : undefined,
            timestamp: normalizeTimestamp(call.timestamp) ?? timestamp,
          }, `${where}.result`);
        });
        return;
      }
      default:
        // info, warning, error: the CLI's own notices.
        if (content.trim()) collector.add({ type: 'system', content: `${String(message.type)}: ${content}`, timestamp }, at);
    }
  });
  const warnings = skipped.warnings();
  return { ...(task === undefined ? {} : { task }), steps: collector.finish(), ...(warnings.length > 0 ? { warnings } : {}) };
}

/** What a recorded tool call returned: the function response's output or error, else what the CLI displayed. */
function toolCallOutput(call: Record<string, unknown>): string {
  const responses = Array.isArray(call.result) ? call.result.filter(isRecord) : [];
  const texts = responses.map((part) => {
    const response = isRecord(part.functionResponse) && isRecord(part.functionResponse.response) ? part.functionResponse.response : undefined;
    if (!response) return undefined;
    const value = response.output ?? response.error ?? response.content;
    return typeof value === 'string' ? value : value === undefined ? undefined : JSON.stringify(value);
  }).filter((text): text is string => text !== undefined);
  if (texts.length > 0) return texts.join('\n');
  return typeof call.resultDisplay === 'string' ? call.resultDisplay : '';
}

/** Gemini content parts (`[{ text }]`) as text; other parts (inline data, files) are counted as skipped. */
function textOfParts(content: unknown, skipped: SkippedContent): string {
  if (!Array.isArray(content)) return '';
  return content.map((part) => {
    if (isRecord(part) && typeof part.text === 'string') return part.text;
    skipped.add('non-text message parts');
    return '';
  }).filter(Boolean).join('\n');
}
