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
/** A tool's result written as user text by harnesses without tool_result blocks. */
const TEXT_RESULT = /^\s*\[(\w+)(?: for [^\]]*)?\] Result:/;
/** Context such harnesses append to every user turn. */
const HARNESS_TEXT = ['<environment_details>', '# TODO LIST UPDATE REQUIRED', '# task_progress', '[TASK RESUMPTION]'];

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

  // Tool calls of the last assistant turn not yet answered by a tool_result block: harnesses that
  // answer in text (Cline, Roo: "[read_file for 'x'] Result: …") are paired to them by tool name.
  let unanswered: Array<{ id?: string; name?: string }> = [];

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
    if (message.role === 'assistant') unanswered = [];
    blocks.forEach((block, j) => {
      const draft = blockStep(message.role as 'user' | 'assistant', block, skipped);
      if (!draft) return;
      if (draft.type === 'tool_call') unanswered.push({ id: draft.toolCallId, name: draft.toolName });
      if (draft.type === 'tool_result') unanswered = unanswered.filter((call) => call.id !== draft.toolCallId);
      if (draft.type === 'user' && draft.content !== undefined) {
        const textResult = TEXT_RESULT.exec(draft.content);
        const call = textResult ? unanswered.find((c) => c.name === textResult[1]) ?? unanswered[0] : undefined;
        if (call) {
          unanswered = unanswered.filter((c) => c !== call);
          Object.assign(draft, { type: 'tool_result', toolCallId: call.id });
        } else if (HARNESS_TEXT.some((prefix) => draft.content!.trimStart().startsWith(prefix))) {
          draft.type = 'system';
        }
      }
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
