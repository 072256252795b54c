import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { convertClaudeCode } from '../shared/adapters/claudeCode.ts';
import { MAX_TRANSCRIPT_TEXTS, clip } from '../shared/integrations/claudeCode.ts';

/**
 * `wink hook claude-code`: Claude Code's command hook. Reads the hook JSON on stdin, adds the
 * assistant's text from the transcript lines written since the last call, posts it all to Wink's
 * hook route and prints Wink's answer. Whatever happens to Wink (down, slow, an error), it prints
 * `{}` and exits 0 in time: bin/wink.mjs keeps that deadline on its main thread while this runs in
 * a worker, and the request here is bounded to end before it.
 */

/** Total budget from process start; bin/wink.mjs prints `{}` when it runs out. */
export const HOOK_DEADLINE_MS = 1500;
/** Most transcript bytes read per call: a long backlog (Wink was down) is skipped to its tail. */
const MAX_TRANSCRIPT_BYTES = 512 * 1024;
/** Time kept for printing and exiting after the request. */
const EXIT_MARGIN_MS = 150;
/** The wait asked of Wink leaves this much of the budget for the round trip. */
const ROUND_TRIP_MARGIN_MS = 500;

export interface HookEnv {
  WINK_URL?: string | undefined;
  WINK_API_KEY?: string | undefined;
  WINK_STATE_DIR?: string | undefined;
  XDG_STATE_HOME?: string | undefined;
  WINK_HOOK_TIMEOUT_MS?: string | undefined;
}

/** The hook's budget in ms from process start: HOOK_DEADLINE_MS, or WINK_HOOK_TIMEOUT_MS (at most 10 s) for slow machines. */
export function hookDeadlineMs(env: HookEnv = process.env): number {
  const configured = Number(env.WINK_HOOK_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? Math.min(configured, 10_000) : HOOK_DEADLINE_MS;
}

/** Returns the text to print: Wink's hook answer, or `{}` on any trouble (noted on stderr, which Claude Code shows only in verbose mode). */
export async function runClaudeCodeHook(stdin: string, env: HookEnv, warn: (message: string) => void, elapsedMs: () => number = () => performance.now()): Promise<string> {
  try {
    const payload: unknown = JSON.parse(stdin);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('stdin is not a hook JSON object');
    if (!env.WINK_URL || !env.WINK_API_KEY) {
      warn('wink hook: set WINK_URL and WINK_API_KEY (wink init claude-code prints them); answering {}');
      return '{}';
    }
    const event = payload as { session_id?: unknown; transcript_path?: unknown };
    const sessionId = typeof event.session_id === 'string' ? event.session_id : undefined;
    const transcript = sessionId && typeof event.transcript_path === 'string'
      ? await readNewAssistantText(event.transcript_path, stateFile(env, sessionId)).catch((error: unknown) => {
        warn(`wink hook: transcript not read: ${(error as Error).message}`);
        return undefined;
      })
      : undefined;

    const left = hookDeadlineMs(env) - elapsedMs() - EXIT_MARGIN_MS;
    if (left <= 0) return '{}';
    const waitMs = Math.max(0, Math.min(3000, left - ROUND_TRIP_MARGIN_MS));
    const body = transcript && transcript.texts.length > 0 ? { ...event, wink_transcript_text: transcript.texts } : event;
    const response = await fetch(`${env.WINK_URL.replace(/\/+$/, '')}/v1/integrations/claude-code/hooks?wait=${Math.floor(waitMs)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.WINK_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(Math.ceil(left)),
    });
    const text = await response.text();
    if (!response.ok) {
      warn(`wink hook: Wink answered ${response.status}: ${text.slice(0, 300)}`);
      return '{}';
    }
    if (transcript) await transcript.commit();
    const answer: unknown = JSON.parse(text);
    return typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? JSON.stringify(answer) : '{}';
  } catch (error) {
    warn(`wink hook: ${(error as Error).message}; answering {}`);
    return '{}';
  }
}

/** One small JSON file per Claude Code session: how far its transcript has been read. */
export function stateFile(env: HookEnv, claudeSessionId: string): string {
  const base = env.WINK_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'wink');
  return join(base, 'claude-code', `${claudeSessionId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
}

/**
 * The assistant's text in the transcript lines appended since the offset saved in `statePath`,
 * each with its line's byte offset (Wink's key for a redelivered text). Only whole lines are read;
 * `commit` saves the new offset once Wink has them.
 */
export async function readNewAssistantText(transcriptPath: string, statePath: string): Promise<{ texts: Array<{ offset: number; text: string }>; commit: () => Promise<void> }> {
  const saved = await readFile(statePath, 'utf8').then((text) => Number((JSON.parse(text) as { offset?: unknown }).offset)).catch(() => 0);
  const file = await open(transcriptPath, 'r');
  let buffer: Buffer;
  let start: number;
  try {
    const { size } = await file.stat();
    const from = Number.isInteger(saved) && saved >= 0 && saved <= size ? saved : 0;
    start = Math.max(from, size - MAX_TRANSCRIPT_BYTES);
    buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
  } finally {
    await file.close();
  }
  // Skipping into a backlog lands mid-line: start after the first newline.
  let cursor = 0;
  if (start > saved) cursor = buffer.indexOf(0x0a) + 1;
  const texts: Array<{ offset: number; text: string }> = [];
  let end = start + cursor;
  for (let newline = buffer.indexOf(0x0a, cursor); newline >= 0; newline = buffer.indexOf(0x0a, cursor)) {
    const line = buffer.subarray(cursor, newline).toString('utf8');
    const text = assistantTextOf(line);
    if (text) texts.push({ offset: start + cursor, text: clip(text) });
    cursor = newline + 1;
    end = start + cursor;
  }
  return {
    texts: texts.slice(-MAX_TRANSCRIPT_TEXTS),
    commit: async () => {
      await mkdir(dirname(statePath), { recursive: true });
      const temporary = `${statePath}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify({ offset: end }));
      await rename(temporary, statePath);
    },
  };
}

/** The assistant's words in one transcript line, read by the Claude Code adapter (tool calls and results come from the hooks themselves). */
function assistantTextOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const { steps } = convertClaudeCode({ kind: 'jsonl', lines: [{ line: 1, value: JSON.parse(line) }] }, 'transcript');
    const texts = steps.filter((step) => step.type === 'assistant' && step.content?.trim()).map((step) => step.content!);
    return texts.length > 0 ? texts.join('\n') : undefined;
  } catch {
    return undefined;
  }
}
