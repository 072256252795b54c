import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readNewAssistantText, runClaudeCodeHook } from '../../cli/hook.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { hookSession } from '../support/claudeCodeHooks.ts';

const WINK_BIN = join(import.meta.dirname, '../../bin/wink.mjs');

/** Runs `wink hook claude-code` as Claude Code does: JSON on stdin, the answer on stdout. */
function runHookProcess(stdin: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WINK_BIN, 'hook', 'claude-code'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** One assistant line as Claude Code writes it to ~/.claude/projects/<dir>/<session>.jsonl. */
function assistantLine(sessionId: string, text: string): string {
  return `${JSON.stringify({
    parentUuid: randomUUID(), isSidechain: false, userType: 'external', cwd: '/home/dev/project', sessionId, version: '2.1.70',
    type: 'assistant', uuid: randomUUID(), timestamp: new Date().toISOString(),
    message: {
      id: `msg_${randomUUID().slice(0, 8)}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text }], stop_reason: null, usage: { input_tokens: 10, output_tokens: 20 },
    },
  })}\n`;
}

function toolUseLine(sessionId: string, command: string): string {
  return `${JSON.stringify({
    isSidechain: false, sessionId, type: 'assistant', uuid: randomUUID(), timestamp: new Date().toISOString(),
    message: { id: `msg_${randomUUID().slice(0, 8)}`, role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_x', name: 'Bash', input: { command } }] },
  })}\n`;
}

describe('wink hook claude-code', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wink-hook-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints {} and exits 0 when Wink is down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await runHookProcess(JSON.stringify(hookSession('s-down').failBash('make', 'toolu_1', 2, 'boom')), {
      WINK_URL: `http://127.0.0.1:${port}`, WINK_API_KEY: 'k', WINK_STATE_DIR: dir,
    });
    expect(result).toMatchObject({ code: 0, stdout: '{}\n' });
  }, 30_000);

  it('prints {} and exits 0 when Wink accepts the connection and never answers', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as { port: number };
      const result = await runHookProcess(JSON.stringify(hookSession('s-hang').stop('Done')), {
        WINK_URL: `http://127.0.0.1:${port}`, WINK_API_KEY: 'k', WINK_STATE_DIR: dir,
      });
      expect(result).toMatchObject({ code: 0, stdout: '{}\n' });
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  }, 30_000);

  it('prints {} for stdin that is not hook JSON, and without WINK_URL', async () => {
    const warnings: string[] = [];
    expect(await runClaudeCodeHook('not json', { WINK_URL: 'http://127.0.0.1:9', WINK_API_KEY: 'k' }, (m) => warnings.push(m))).toBe('{}');
    expect(await runClaudeCodeHook('{"session_id":"s","hook_event_name":"Stop"}', {}, (m) => warnings.push(m))).toBe('{}');
    expect(warnings.join('\n')).toMatch(/WINK_URL/);
  });

  it('reads only whole new transcript lines, keeping the offset per session once committed', async () => {
    const transcript = join(dir, 'offsets.jsonl');
    const state = join(dir, 'state', 'offsets.json');
    await writeFile(transcript, assistantLine('s', 'First I will read the code.') + toolUseLine('s', 'cat a.py'));
    const first = await readNewAssistantText(transcript, state);
    expect(first.texts).toEqual([{ offset: 0, text: 'First I will read the code.' }]);
    await first.commit();

    const second = assistantLine('s', 'Now the fix.');
    const before = (await readFile(transcript)).length;
    await appendFile(transcript, second + assistantLine('s', 'half').slice(0, 30)); // a line still being written
    const next = await readNewAssistantText(transcript, state);
    expect(next.texts).toEqual([{ offset: before, text: 'Now the fix.' }]);
    // Not committed (Wink did not answer): the same text comes again next time.
    expect((await readNewAssistantText(transcript, state)).texts).toEqual(next.texts);
    await next.commit();
    expect((await readNewAssistantText(transcript, state)).texts).toEqual([]);
  });

  describe('against Wink (local stack)', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack({
        endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
        port: 0,
        prefix: `cmdhook-${process.pid}`,
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it("sends the assistant's words from the transcript, so a premature 'done' is blocked at Stop", async () => {
      const sessionId = randomUUID();
      const cc = hookSession(sessionId);
      const transcript = join(dir, `${sessionId}.jsonl`);
      await writeFile(transcript, '');
      // The slow test machine gets a longer budget than the 1.5 s default; the outcome is what is tested.
      const env = { WINK_URL: stack.url, WINK_API_KEY: stack.apiKey, WINK_STATE_DIR: dir, WINK_HOOK_TIMEOUT_MS: '10000' };
      const hook = async (payload: object) => {
        const result = await runHookProcess(JSON.stringify({ ...payload, transcript_path: transcript }), env);
        expect(result.code).toBe(0);
        return JSON.parse(result.stdout) as Record<string, unknown>;
      };

      expect(await hook(cc.prompt('Make the date parser tests pass'))).toEqual({});
      const id = cc.nextToolUseId();
      await appendFile(transcript, assistantLine(sessionId, 'I will run the tests first.') + toolUseLine(sessionId, 'pytest -q'));
      expect(await hook(cc.preBash('pytest -q', id))).toEqual({});
      expect(await hook(cc.failBash('pytest -q', id, 1, 'FAILED tests/test_dates.py::test_parse_iso - AssertionError\n1 failed, 1 passed in 0.05s'))).toEqual({});
      await appendFile(transcript, assistantLine(sessionId, 'Done! The date parser is fixed and all the tests pass.'));
      // No last_assistant_message: the claim reaches Wink only through the transcript.
      expect(await hook(cc.stop(undefined))).toEqual({ decision: 'block', reason: expect.stringMatching(/test/i) });
      expect(await hook(cc.stop(undefined, true))).toEqual({});
    }, 120_000);
  });
});
