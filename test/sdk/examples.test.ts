import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import type { apiClient } from '../support/apiClient.ts';
import { startSdkStack } from './support.ts';

/**
 * A scripted OpenAI-compatible Chat Completions server: looks at the file, fixes it, runs the test,
 * then answers. The step it is at is read from the request (how many tool results it holds), as a
 * stateless server would.
 */
async function startScriptedChatServer() {
  const prompts: unknown[] = [];
  const commands = ['cat sum.js', "sed -i 's/i < b/i <= b/' sum.js", 'node test.js'];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return void res.writeHead(404).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ role: string }> };
      prompts.push(body.messages);
      const command = commands[body.messages.filter((m) => m.role === 'tool').length];
      const message = command
        ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${prompts.length}`, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command }) } }] }
        : { role: 'assistant', content: 'Fixed: rangeSum now includes b, and node test.js passes.' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: `chatcmpl-${prompts.length}`, object: 'chat.completion', created: 0, model: 'scripted',
        choices: [{ index: 0, message, finish_reason: command ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { baseURL: `http://127.0.0.1:${port}/v1`, prompts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function runExample(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, ...env }, timeout: 100_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('examples run against the local stack and an OpenAI-compatible endpoint', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let chat: Awaited<ReturnType<typeof startScriptedChatServer>>;

  beforeAll(async () => {
    ({ stack, api } = await startSdkStack('examples'));
    chat = await startScriptedChatServer();
  });
  afterAll(async () => {
    await chat?.close();
    await stack?.stop();
  });

  for (const file of ['examples/ai-sdk-agent.ts', 'examples/openai-agents.ts']) {
    it(`${file} fixes the scratch project and reports every step to Wink`, async () => {
      const before = chat.prompts.length;
      const run = await runExample(file, {
        WINK_URL: stack.url, WINK_API_KEY: stack.apiKey, OPENAI_BASE_URL: chat.baseURL, OPENAI_API_KEY: 'test', OPENAI_MODEL: 'scripted',
      });

      expect(run.stderr).not.toMatch(/\[wink\]/); // the SDK reported no trouble
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('node test.js passes');
      expect(chat.prompts.length - before).toBe(4);
      const sessionId = /Wink session (ses_\w+)/.exec(run.stdout)?.[1];
      expect(sessionId).toBeDefined();
      const summary = (await api.getSession(sessionId!)).body;
      // The task, three tool calls with their results, the final answer.
      expect(summary.stepCount).toBe(1 + 3 * 2 + 1);
    }, 120_000); // two child processes compiling two frameworks with tsx: slow on a busy machine
  }
});
