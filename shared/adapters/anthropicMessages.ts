import type { TrajectoryDocument } from './document.ts';
import { blockStep, contentBlocks, isInjectedUserText, SkippedContent, tokensOf } from './anthropicContent.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, StepCollector, textOf } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

const MESSAGE_KEYS = ['messages', 'conversation', 'history'] as const;
/** Block types only the Anthropic Messages format has (OpenAI content parts are text/image_url/…). */
const ANTHROPIC_BLOCKS = new Set(['tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result']);

/**
 * Anthropic Messages transcripts: `{ role: user | assistant, content: string | blocks }` with
 * blocks `text`, `thinking`, `tool_use`, `tool_result` — as the Claude Agent SDK, Cline's
 * `api_conversation_history.json` and many harnesses log them. A JSON array, an object with
 * `messages` (a request body, optionally with a top-level `system`), or JSON Lines.
 */
export function looksLikeAnthropicMessages(doc: TrajectoryDocument): boolean {
  const items = listItems(doc, MESSAGE_KEYS);
  const sample = sampleRecords(items, 40);
  if (sample.length === 0 || !sample.every((m) => typeof m.role === 'string' && ['user', 'assistant', 'system'].includes(m.role))) return false;
  if (sample.some((m) => 'tool_calls' in m || m.role === 'tool')) return false;
  return (items ?? []).some(({ value }) => isRecord(value) && Array.isArray(value.content)
    && value.content.some((block) => isRecord(block) && typeof block.type === 'string' && ANTHROPIC_BLOCKS.has(block.type)));
}

export function convertAnthropicMessages(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = listItems(doc, MESSAGE_KEYS);
  if (!items) throw new TrajectoryFormatError(source, '$', 'an array of Anthropic messages or an object with `messages`');
  const collector = new StepCollector(source);
  const skipped = new SkippedContent();
  let task: string | undefined;

  // A saved request's top-level system prompt comes first.
  if (doc.kind === 'json' && isRecord(doc.value)) {
    const system = textOf(doc.value.system);
    if (system?.trim()) collector.add({ type: 'system', content: system }, '$.system');
  }

  for (const { value: message, at } of items) {
    if (!isRecord(message) || typeof message.role !== 'string') throw new TrajectoryFormatError(source, at, 'a message with a `role`');
    if (message.role === 'system') {
      const text = textOf(message.content);
      if (text?.trim()) collector.add({ type: 'system', content: text }, at);
      continue;
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new TrajectoryFormatError(source, `${at}.role`, 'user, assistant or system', JSON.stringify(message.role));
    }
    const blocks = contentBlocks(message.content);
    if (!blocks) throw new TrajectoryFormatError(source, `${at}.content`, 'a string or an array of content blocks');
    const usage = message.role === 'assistant' ? tokensOf(message.usage) : undefined;
    let tokensAssigned = false;
    blocks.forEach((block, j) => {
      const draft = blockStep(message.role as 'user' | 'assistant', block, skipped);
      if (!draft) return;
      if (draft.type === 'user' && draft.content !== undefined && !isInjectedUserText(draft.content)) task ??= draft.content;
      if (usage && !tokensAssigned && draft.type !== 'tool_result') {
        draft.tokens = usage;
        tokensAssigned = true;
      }
      collector.add(draft, `${at}.content[${j}]`);
    });
  }
  const warnings = skipped.warnings();
  return { ...(task === undefined ? {} : { task }), steps: collector.finish(), ...(warnings.length > 0 ? { warnings } : {}) };
}
