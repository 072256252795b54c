import * as z from 'zod';
import type { Intervention } from '../records.ts';
import type { Step } from '../steps.ts';

/**
 * Claude Code hooks ↔ Wink, as pure functions: the hook JSON Claude Code sends (on stdin for
 * `type: "command"` hooks, as the POST body for `type: "http"` hooks) becomes Wink steps, and
 * Wink's pending guidance becomes the JSON answer Claude Code reads back. The HTTP route and the
 * `wink hook claude-code` command only call these.
 *
 * Input (common): session_id, transcript_path, cwd, permission_mode, hook_event_name; per event:
 * UserPromptSubmit prompt; PreToolUse tool_name, tool_input, tool_use_id; PostToolUse the same plus
 * tool_response; PostToolUseFailure the same plus error, is_interrupt; Stop / SubagentStop
 * stop_hook_active (and, in recent versions, last_assistant_message).
 */

/** Most characters of one text field kept in a step: far below the 256 KiB step limit. */
export const MAX_TEXT_CHARS = 16 * 1024;
/** Most transcript texts one command-hook call forwards. */
export const MAX_TRANSCRIPT_TEXTS = 50;

const TranscriptTextSchema = z.object({ offset: z.int().min(0), text: z.string() });

export const ClaudeCodeHookSchema = z.looseObject({
  session_id: z.string({ error: 'session_id: required, the Claude Code session id' }).min(1).max(256),
  hook_event_name: z.string({ error: 'hook_event_name: required, e.g. "PostToolUse"' }).min(1).max(64),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  prompt: z.string().optional(),
  tool_name: z.string().max(256).optional(),
  tool_input: z.unknown().optional(),
  tool_response: z.unknown().optional(),
  tool_use_id: z.string().max(256).optional(),
  error: z.unknown().optional(),
  stop_hook_active: z.boolean().optional(),
  last_assistant_message: z.string().optional(),
  /** Added by `wink hook claude-code`: the assistant's text read from new transcript lines (byte offset of each line). */
  wink_transcript_text: z.array(TranscriptTextSchema).max(MAX_TRANSCRIPT_TEXTS).optional(),
});
export type ClaudeCodeHookEvent = z.infer<typeof ClaudeCodeHookSchema>;

/** Events whose hookSpecificOutput may carry additionalContext into the model's context. */
export const ADDITIONAL_CONTEXT_EVENTS = new Set(['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'SessionStart']);
const TOOL_EVENTS = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure']);

/** A hook payload that is not what Claude Code sends: a 400 with this message. */
export class HookPayloadError extends Error {
  override readonly name = 'HookPayloadError';
  constructor(message: string, readonly path: string) {
    super(message);
  }
}

export function parseHookPayload(body: unknown): ClaudeCodeHookEvent {
  const parsed = ClaudeCodeHookSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(body)';
    const message = issue.message.startsWith(`${path}:`) ? issue.message : `${path}: ${issue.message}`;
    throw new HookPayloadError(`Not a Claude Code hook payload: ${message}`, path);
  }
  const event = parsed.data;
  if (TOOL_EVENTS.has(event.hook_event_name) && !event.tool_name) {
    throw new HookPayloadError(`Not a Claude Code hook payload: tool_name: required for ${event.hook_event_name}`, 'tool_name');
  }
  return event;
}

/** One step a hook event maps to, before Wink gives it an index; `dedupeKey` makes a redelivery the same step. */
export interface HookStep {
  step: Omit<Step, 'index'>;
  dedupeKey?: { event: string; toolUseId: string };
}

/**
 * The steps one event maps to, in order: transcript text first (it came before the event),
 * then the event's own step. UserPromptSubmit → user; PreToolUse → tool_call; PostToolUse →
 * tool_result; PostToolUseFailure → failed tool_result; Stop → the final assistant message when
 * it is given (the end of the turn). Other events carry no step.
 */
export function hookSteps(event: ClaudeCodeHookEvent): HookStep[] {
  const transcript = (event.wink_transcript_text ?? [])
    .filter((entry) => entry.text.trim() !== '')
    .map((entry): HookStep => ({ step: { type: 'assistant', content: clip(entry.text) }, dedupeKey: { event: 'Transcript', toolUseId: String(entry.offset) } }));
  const own = eventStep(event);
  const alreadyInTranscript = own?.step.type === 'assistant' && transcript.some((entry) => entry.step.content === own.step.content);
  return own && !alreadyInTranscript ? [...transcript, own] : transcript;
}

function eventStep(event: ClaudeCodeHookEvent): HookStep | undefined {
  const dedupe = event.tool_use_id ? { dedupeKey: { event: event.hook_event_name, toolUseId: event.tool_use_id } } : {};
  const callId = event.tool_use_id ? { toolCallId: event.tool_use_id } : {};
  switch (event.hook_event_name) {
    case 'UserPromptSubmit':
      return event.prompt?.trim() ? { step: { type: 'user', content: clip(event.prompt) } } : undefined;
    case 'PreToolUse':
      return { step: { type: 'tool_call', toolName: event.tool_name!, toolInput: toolInputOf(event.tool_input), ...callId }, ...dedupe };
    case 'PostToolUse':
      return { step: { type: 'tool_result', ...callId, ...resultFacts(event.tool_response) }, ...dedupe };
    case 'PostToolUseFailure': {
      const error = textOfUnknown(event.error) ?? 'tool call failed';
      const exitCode = /\bexit code (-?\d+)/i.exec(error)?.[1];
      return { step: { type: 'tool_result', ...callId, content: clip(error), isError: true, ...(exitCode ? { exitCode: Number(exitCode) } : {}) }, ...dedupe };
    }
    case 'Stop':
      return event.last_assistant_message?.trim() ? { step: { type: 'assistant', content: clip(event.last_assistant_message) } } : undefined;
    default:
      return undefined;
  }
}

/** The task of a session a hook event creates: the prompt when it is one, else where Claude Code runs. */
export function sessionTaskFor(event: ClaudeCodeHookEvent): string {
  if (event.hook_event_name === 'UserPromptSubmit' && event.prompt?.trim()) return clip(event.prompt, 64 * 1024);
  return `Claude Code session in ${event.cwd ?? 'an unknown directory'}`;
}

/** How long an event's answer waits for detection of its own step (ms): the nudge about a failing call can come back in its own reply. */
export function defaultHookWaitMs(event: ClaudeCodeHookEvent): number {
  switch (event.hook_event_name) {
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return 1500;
    case 'Stop':
      return 2500;
    default:
      return 0;
  }
}

/**
 * Whether this event's answer can carry guidance, so pending interventions are handed out only
 * then (otherwise they stay for the next event that can). A Stop can, by blocking — but never when
 * stop_hook_active is true for the second Stop in a row, so Claude Code cannot loop on Wink.
 */
export function canCarryGuidance(event: ClaudeCodeHookEvent, previousStopHookActive: boolean | undefined): boolean {
  if (ADDITIONAL_CONTEXT_EVENTS.has(event.hook_event_name)) return true;
  if (event.hook_event_name === 'Stop') return !(event.stop_hook_active === true && previousStopHookActive === true);
  return false;
}

export type HookAnswer =
  | Record<string, never>
  | { hookSpecificOutput: { hookEventName: string; additionalContext: string } }
  | { decision: 'block'; reason: string };

/** The JSON Claude Code reads from the hook: `{}` with nothing to say. */
export function hookAnswer(event: ClaudeCodeHookEvent, interventions: readonly Pick<Intervention, 'guidance'>[]): HookAnswer {
  if (interventions.length === 0) return {};
  const text = interventions.map((intervention) => `Wink (agent monitor): ${intervention.guidance}`).join('\n\n');
  if (ADDITIONAL_CONTEXT_EVENTS.has(event.hook_event_name)) {
    return { hookSpecificOutput: { hookEventName: event.hook_event_name, additionalContext: text } };
  }
  if (event.hook_event_name === 'Stop') return { decision: 'block', reason: text };
  return {};
}

/** A tool's response as a result step: its text, and isError / exitCode where the tool reports them. */
function resultFacts(response: unknown): Pick<Step, 'content' | 'isError' | 'exitCode'> {
  const facts: Pick<Step, 'content' | 'isError' | 'exitCode'> = { content: clip(responseText(response)) };
  if (isRecord(response)) {
    const isError = response.is_error ?? response.isError;
    if (typeof isError === 'boolean') facts.isError = isError;
    const exitCode = [response.exit_code, response.exitCode, response.returnCode].find((value) => Number.isInteger(value));
    if (exitCode !== undefined) facts.exitCode = exitCode as number;
  }
  return facts;
}

/** Bash answers `{ stdout, stderr, interrupted, isImage }`; others a string, content blocks or an object. */
function responseText(response: unknown): string {
  if (isRecord(response) && (typeof response.stdout === 'string' || typeof response.stderr === 'string')) {
    return [response.stdout, response.stderr].filter((part): part is string => typeof part === 'string' && part !== '').join('\n');
  }
  return textOfUnknown(response) ?? '';
}

function textOfUnknown(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((part) => isRecord(part) && typeof part.text === 'string')) {
    return value.map((part) => (part as { text: string }).text).join('\n');
  }
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  if (isRecord(value) && Array.isArray(value.content)) return textOfUnknown(value.content);
  return JSON.stringify(value);
}

/** Tool input as an object with long strings clipped (a Write of a large file stays a small step). */
function toolInputOf(input: unknown): Step['toolInput'] {
  if (typeof input === 'string') return clip(input);
  if (!isRecord(input)) return {};
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, clipDeep(value)]));
}

function clipDeep(value: unknown): unknown {
  if (typeof value === 'string') return clip(value);
  const json = JSON.stringify(value) ?? '';
  return json.length > MAX_TEXT_CHARS ? clip(json) : value;
}

/** Keeps the head and the tail (errors are usually at the end) of an over-long text. */
export function clip(text: string, max = MAX_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 40) / 2);
  return `${text.slice(0, half)}\n… [${text.length - 2 * half} characters cut] …\n${text.slice(-half)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
