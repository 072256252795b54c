import type { TrajectoryDocument } from './document.ts';
import { SkippedContent } from './anthropicContent.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, normalizeTimestamp, StepCollector, stringField, type StepDraft } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * Gemini CLI `--output-format stream-json`: JSON Lines of events `init` (session_id, model),
 * `message` (role user | assistant, `delta: true` for streamed chunks), `tool_use` (tool_name,
 * tool_id, parameters), `tool_result` (tool_id, status success | error, output, error),
 * `error` (severity, message) and a closing `result` (status, stats).
 */
const EVENT_TYPES = new Set(['init', 'message', 'tool_use', 'tool_result', 'error', 'result']);

export function looksLikeGeminiCli(doc: TrajectoryDocument): boolean {
  if (doc.kind !== 'jsonl') return false;
  const sample = sampleRecords(listItems(doc), 10);
  return sample.some((event) => event.type === 'init' && typeof event.session_id === 'string')
    || sample.some((event) => event.type === 'tool_use' && typeof event.tool_name === 'string' && 'tool_id' in event);
}

export function convertGeminiCli(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
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
