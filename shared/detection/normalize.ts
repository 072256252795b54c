import { canonicalJson, sha256Hex } from '../canonicalJson.ts';

/**
 * Rewrites the parts of text that change between otherwise identical runs (timestamps, hex ids,
 * temp paths, durations, process ids, line/column counters) and folds white space, so that a
 * repeated action or observation compares equal (the OpenHands stuck detector's "equality ignoring
 * volatile parts").
 */
export function normalizeVolatile(text: string): string {
  return text
    // Also the file-name form npm uses for its logs: 2025-05-02T10_41_07_311Z.
    .replace(/\d{4}-\d{2}-\d{2}[T _]\d{2}[:_]\d{2}[:_]\d{2}(?:[.,_]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<ts>')
    .replace(/\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\/tmp\/[\w.-]+/g, '/tmp/<tmp>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds)\b/g, '<duration>')
    .replace(/\b(pid|process|port)[\s=:]+\d+/gi, '$1 <n>')
    .replace(WHITESPACE_TO_FOLD, ' ')
    .trim();
}

/**
 * Every run of white space folds to one space; a run that is one space already is left alone
 * (matching it only to put it back was the costliest step of normalising an output).
 */
const WHITESPACE_TO_FOLD = /[^\S ]\s*| \s+/g;

export function hashText(text: string): string {
  return sha256Hex(normalizeVolatile(text)).slice(0, 16);
}

/**
 * Handles a browser tool gives page elements (`"index": 1233` in browser-use / OpenHands page
 * state, `backend_node_id`, `[1233]<a>` in text renders) are renumbered on every render, so the
 * same unchanged page read twice differs only in them. Only tool results are rewritten: in a
 * call's input the handle is what the agent chose (click 1230 vs click 1260 are different actions).
 */
const ELEMENT_HANDLE_FIELD = /"(index|backend_node_id|node_id|element_id|highlight_index)"\s*:\s*\d+/g;
const ELEMENT_HANDLE_TEXT = /\[\d+\]<(?=[a-z])/g;

export function normalizeResult(text: string): string {
  return normalizeVolatile(text.replace(ELEMENT_HANDLE_FIELD, '"$1": <n>').replace(ELEMENT_HANDLE_TEXT, '[<n>]<'));
}

/** The key two tool results share when they are "the same observation". */
export function resultKey(content: string): string {
  return sha256Hex(normalizeResult(content)).slice(0, 16);
}

/** The key two tool calls share when they are "the same action": tool name + normalised input. */
export function actionKey(toolName: string, toolInput: unknown): string {
  const input = typeof toolInput === 'string' ? toolInput : canonicalJson(toolInput ?? null);
  return hashText(`${toolName}\u0000${input}`);
}

const COMMAND_FIELDS = ['command', 'cmd', 'code', 'script'] as const;

/** The shell command of a tool call, when it has one (bash-like tools, or a raw string input). */
export function commandOf(toolInput: unknown): string | undefined {
  if (typeof toolInput === 'string') return toolInput;
  if (toolInput && typeof toolInput === 'object') {
    for (const field of COMMAND_FIELDS) {
      const value = (toolInput as Record<string, unknown>)[field];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}

/** A short, single-line rendering of a tool call for guidance text. */
export function displayCall(toolName: string, toolInput: unknown, maxLength = 120): string {
  const command = commandOf(toolInput);
  const json = toolInput === undefined ? '' : canonicalJson(toolInput);
  const shown = command ?? (json === '{}' || json === 'null' ? '' : json);
  // A shell tool shows its command; SWE-agent's `submit …` already starts with its tool's name.
  const bare = command !== undefined && (['bash', 'shell', 'execute_bash', 'run', 'terminal'].includes(toolName) || command.trimStart().startsWith(`${toolName} `) || command.trim() === toolName);
  const text = bare ? shown : `${toolName}${shown ? ` ${shown}` : ''}`;
  return truncate(text.replace(/\s+/g, ' ').trim(), maxLength);
}

export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

const ERROR_PATTERNS = [
  /command not found/i,
  /No such file or directory/,
  /^Traceback \(most recent call last\)/m,
  /^(?:\w+\.)*\w*(?:Error|Exception): /m,
  /^error(?:\[\w+\])?: /im,
  /^npm (?:error|ERR!) /m,
  /^fatal: /m,
  /Permission denied/,
  /^Usage: /m,
];

/**
 * Whether a tool result reports a failure. Explicit signals (isError, a non-zero exit code) win;
 * when an agent sends neither, the text is checked for the error shapes shells and interpreters
 * print, looking only at the start and end where such messages appear.
 */
export function resultFailed(result: { content?: string; exitCode?: number; isError?: boolean }): boolean {
  if (result.isError !== undefined) return result.isError;
  if (result.exitCode !== undefined) return result.exitCode !== 0;
  const text = result.content ?? '';
  const edges = text.length > 4000 ? `${text.slice(0, 2000)}\n${text.slice(-2000)}` : text;
  return ERROR_PATTERNS.some((pattern) => pattern.test(edges));
}

/** Does a quoted line have an error's shape (a traceback, "error: …", "command not found"), not just a last line of output? */
export function isErrorShaped(line: string | undefined): line is string {
  return line !== undefined && ERROR_PATTERNS.some((pattern) => pattern.test(line));
}

/** The first line of an error worth quoting back, shortened; never the whole output. */
export function errorLine(content: string | undefined, maxLength = 160): string | undefined {
  if (!content) return undefined;
  const lines = content.split('\n').map((line) => line.trim()).filter(Boolean);
  const line = lines.find((l) => ERROR_PATTERNS.some((p) => p.test(l))) ?? lines.at(-1);
  return line === undefined ? undefined : truncate(line, maxLength);
}
