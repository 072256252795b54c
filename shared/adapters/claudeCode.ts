import type { TrajectoryDocument } from './document.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, normalizeTimestamp, StepCollector, stringField, textOf, type StepDraft } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/**
 * Claude Code session transcripts (`~/.claude/projects/<dir>/<session>.jsonl`): one entry per line,
 * `type` user | assistant | system | summary | file-history-snapshot | queue-operation …, the
 * conversation in `message` (Anthropic Messages format: content blocks text, thinking, tool_use,
 * tool_result). Only the main thread is read: sidechain (sub-agent) entries are skipped, and so are
 * meta entries (`isMeta`, e.g. injected command caveats).
 */
export function looksLikeClaudeCode(doc: TrajectoryDocument): boolean {
  return sampleRecords(listItems(doc), 20).some(
    (entry) => (entry.type === 'user' || entry.type === 'assistant') && isRecord(entry.message) && ('uuid' in entry || 'sessionId' in entry),
  );
}

export function convertClaudeCode(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = listItems(doc);
  if (!items) throw new TrajectoryFormatError(source, '$', 'Claude Code JSONL: one transcript entry per line');
  const collector = new StepCollector(source);
  const countedMessages = new Set<string>();
  let task: string | undefined;

  for (const { value: entry, at } of items) {
    if (!isRecord(entry)) throw new TrajectoryFormatError(source, at, 'a transcript entry object');
    if (entry.type !== 'user' && entry.type !== 'assistant') continue;
    if (entry.isSidechain === true || entry.isMeta === true) continue;
    if (!isRecord(entry.message)) throw new TrajectoryFormatError(source, `${at}.message`, 'a message object with `content`');
    const timestamp = normalizeTimestamp(entry.timestamp);
    const content = entry.message.content;
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : undefined;
    if (!blocks) throw new TrajectoryFormatError(source, `${at}.message.content`, 'a string or an array of content blocks');

    // Claude Code writes one line per content block of a message, each repeating the message's usage.
    const messageId = stringField(entry.message, 'id');
    const usage = entry.type === 'assistant' && (!messageId || !countedMessages.has(messageId)) ? tokensOf(entry.message.usage) : undefined;
    if (messageId) countedMessages.add(messageId);

    let tokensAssigned = false;
    blocks.forEach((block, j) => {
      const draft = blockStep(entry.type as 'user' | 'assistant', block);
      if (!draft) return;
      if (draft.type === 'user') task ??= draft.content;
      if (usage && !tokensAssigned && draft.type !== 'tool_result') {
        draft.tokens = usage;
        tokensAssigned = true;
      }
      collector.add({ ...draft, timestamp }, `${at}.message.content[${j}]`);
    });
  }
  return { ...(task === undefined ? {} : { task }), steps: collector.finish() };
}

function blockStep(role: 'user' | 'assistant', block: unknown): StepDraft | undefined {
  if (!isRecord(block)) return undefined;
  switch (block.type) {
    case 'text': {
      const text = stringField(block, 'text');
      if (!text?.trim()) return undefined;
      return { type: role, content: text };
    }
    case 'thinking': {
      const thinking = stringField(block, 'thinking');
      return thinking?.trim() ? { type: 'assistant', content: thinking } : undefined;
    }
    case 'tool_use':
      return {
        type: 'tool_call',
        toolName: stringField(block, 'name') || 'unknown',
        toolInput: isRecord(block.input) ? block.input : {},
        toolCallId: stringField(block, 'id') || undefined,
      };
    case 'tool_result':
      return {
        type: 'tool_result',
        content: textOf(block.content) ?? '',
        toolCallId: stringField(block, 'tool_use_id') || undefined,
        isError: typeof block.is_error === 'boolean' ? block.is_error : undefined,
      };
    default:
      return undefined;
  }
}

function tokensOf(usage: unknown): { input: number; output: number } | undefined {
  if (!isRecord(usage)) return undefined;
  const count = (key: string): number => (typeof usage[key] === 'number' && Number.isInteger(usage[key]) && (usage[key] as number) >= 0 ? (usage[key] as number) : 0);
  return {
    input: count('input_tokens') + count('cache_creation_input_tokens') + count('cache_read_input_tokens'),
    output: count('output_tokens'),
  };
}
