import type { TrajectoryDocument } from './document.ts';
import { blockStep, contentBlocks, SkippedContent, tokensOf } from './anthropicContent.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, normalizeTimestamp, StepCollector, stringField } from './steps.ts';
import { TrajectoryFormatError, type SubRun, type Trajectory } from './types.ts';

/**
 * Claude Code transcripts, in both of the forms Claude Code writes:
 * - session files (`~/.claude/projects/<dir>/<session>.jsonl`, sub-agents in `agent-<id>.jsonl`):
 *   entries `type` user | assistant | system | summary | progress | file-history-snapshot …, the
 *   conversation in `message` (Anthropic Messages content blocks);
 * - `claude -p --output-format stream-json` (and the Claude Agent SDK's messages): `system` init,
 *   user/assistant messages with `parent_tool_use_id`, a closing `result`.
 * Sub-agent steps (Task/Agent tool) are kept apart from the main thread as sub-runs: stream-json
 * marks them with `parent_tool_use_id`, session files nest them in `progress` entries
 * (`agent_progress`) or, in older versions, inline with `isSidechain: true`. A sub-agent's own
 * transcript (every entry a sidechain) is replayed as its own run.
 */
export function looksLikeClaudeCode(doc: TrajectoryDocument): boolean {
  return sampleRecords(listItems(doc), 20).some(
    (entry) => (entry.type === 'user' || entry.type === 'assistant') && isRecord(entry.message)
      && ['uuid', 'sessionId', 'session_id', 'parent_tool_use_id'].some((key) => key in entry),
  );
}

/** Entry types that carry no conversation (metadata, hooks, UI state): skipped without a warning. */
const METADATA_ENTRIES = new Set([
  'system', 'summary', 'file-history-snapshot', 'queue-operation', 'pr-link', 'custom-title', 'tag', 'result',
  'stream_event', 'progress', 'attachment', 'rate_limit_event', 'keep_alive', 'control_request', 'control_response',
]);

type Role = 'user' | 'assistant';

interface Thread {
  collector: StepCollector;
  task?: string;
  parentToolCallId?: string;
  promptTask?: string;
}

export function convertClaudeCode(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = listItems(doc);
  if (!items) throw new TrajectoryFormatError(source, '$', 'Claude Code JSONL: one transcript entry per line');
  const entries = items.map(({ value, at }) => {
    if (!isRecord(value)) throw new TrajectoryFormatError(source, at, 'a transcript entry object');
    return { entry: value, at };
  });
  // A sub-agent's own transcript: every message is a sidechain, and that sidechain is the run.
  const conversation = entries.filter(({ entry }) => entry.type === 'user' || entry.type === 'assistant');
  const sidechainOnly = conversation.length > 0 && conversation.every(({ entry }) => entry.isSidechain === true);

  const skipped = new SkippedContent();
  const main: Thread = { collector: new StepCollector(source) };
  const subThreads = new Map<string, Thread>();
  const subThread = (id: string, parentToolCallId?: string, promptTask?: string): Thread => {
    let thread = subThreads.get(id);
    if (!thread) {
      thread = { collector: new StepCollector(source), parentToolCallId, promptTask };
      subThreads.set(id, thread);
    }
    return thread;
  };
  const countedMessages = new Set<string>();

  for (const { entry, at } of entries) {
    const type = stringField(entry, 'type');
    if (type === 'progress' && isRecord(entry.data) && entry.data.type === 'agent_progress' && isRecord(entry.data.message)) {
      // A sub-agent's message, relayed into the parent's session file while it runs.
      const agentId = stringField(entry.data, 'agentId') ?? stringField(entry, 'parentToolUseID') ?? 'sub-agent';
      const thread = subThread(agentId, stringField(entry, 'parentToolUseID'), stringField(entry.data, 'prompt'));
      addMessage(thread, entry.data.message, `${at}.data.message`);
      continue;
    }
    if (type === 'result' && (entry.is_error === true || (typeof entry.subtype === 'string' && entry.subtype !== 'success'))) {
      // stream-json's closing line: a run cut short (error_max_turns, error_during_execution) says so.
      const reason = [stringField(entry, 'subtype'), stringField(entry, 'result')].filter(Boolean).join(': ');
      main.collector.add({ type: 'system', content: `run ended with an error: ${reason || 'unknown'}`, timestamp: normalizeTimestamp(entry.timestamp) }, at);
      continue;
    }
    if (type !== 'user' && type !== 'assistant') {
      if (type === undefined || !METADATA_ENTRIES.has(type)) skipped.add(`entries of type ${JSON.stringify(type ?? null)}`);
      continue;
    }
    const parentToolUseId = stringField(entry, 'parent_tool_use_id');
    let thread = main;
    if (parentToolUseId) thread = subThread(parentToolUseId, parentToolUseId);
    else if (entry.isSidechain === true && !sidechainOnly) thread = subThread(stringField(entry, 'agentId') ?? 'sidechain');
    addMessage(thread, entry, at);
  }

  function addMessage(thread: Thread, entry: Record<string, unknown>, at: string): void {
    const role = entry.type as Role;
    if (!isRecord(entry.message)) throw new TrajectoryFormatError(source, `${at}.message`, 'a message object with `content`');
    const blocks = contentBlocks(entry.message.content);
    if (!blocks) throw new TrajectoryFormatError(source, `${at}.message.content`, 'a string or an array of content blocks');
    const timestamp = normalizeTimestamp(entry.timestamp);
    // Claude Code writes one line per content block of a message, each repeating the message's usage.
    const messageId = stringField(entry.message, 'id');
    const usage = role === 'assistant' && (!messageId || !countedMessages.has(messageId)) ? tokensOf(entry.message.usage) : undefined;
    if (messageId) countedMessages.add(messageId);

    let tokensAssigned = false;
    blocks.forEach((block, j) => {
      const draft = blockStep(role, block, skipped);
      if (!draft) return;
      // Meta entries (skill documents, command caveats) are injected context, not the person's words.
      if (draft.type === 'user' && entry.isMeta === true) draft.type = 'system';
      if (draft.type === 'user') thread.task ??= draft.content;
      if (usage && !tokensAssigned && draft.type !== 'tool_result') {
        draft.tokens = usage;
        tokensAssigned = true;
      }
      thread.collector.add({ ...draft, timestamp }, `${at}.message.content[${j}]`);
    });
  }

  const subRuns: SubRun[] = [...subThreads].map(([id, thread]) => {
    const task = thread.promptTask ?? thread.task;
    return {
      id,
      ...(thread.parentToolCallId ? { parentToolCallId: thread.parentToolCallId } : {}),
      ...(task === undefined ? {} : { task }),
      steps: thread.collector.finish(),
    };
  });
  const warnings = skipped.warnings();
  return {
    ...(main.task === undefined ? {} : { task: main.task }),
    steps: main.collector.finish(),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(subRuns.length > 0 ? { subRuns } : {}),
  };
}
