/**
 * Shared by the examples: a scratch project with one bug (an off-by-one that `node test.js` shows)
 * and a shell tool that runs commands in it, cut off after 20 s and 8 KiB of output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TASK = 'Make `node test.js` pass in the current directory. Do not edit test.js.';

/** A fresh directory with sum.js (buggy) and test.js; the agent's commands run only there. */
export function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wink-example-'));
  writeFileSync(join(dir, 'sum.js'), 'exports.rangeSum = (a, b) => { let s = 0; for (let i = a; i < b; i++) s += i; return s; };\n');
  writeFileSync(join(dir, 'test.js'), "const assert = require('node:assert');\nassert.strictEqual(require('./sum.js').rangeSum(1, 3), 6, 'rangeSum(1, 3) should include 3');\nconsole.log('ok');\n");
  return dir;
}

export interface ShellResult { exitCode: number; output: string }

export function runShell(command: string, cwd: string): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd, timeout: 20_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.slice(-8 * 1024);
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : error ? 1 : 0;
      resolve({ exitCode: code, output: output || (error ? error.message : '') });
    });
  });
}

/** Settings every example reads: Wink (npm start prints the key) and any OpenAI-compatible endpoint. */
export function exampleSettings() {
  const missing = ['WINK_API_KEY'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.error(`Set ${missing.join(', ')} (npm start prints it). Optional: WINK_URL (default http://127.0.0.1:8787), `
      + 'OPENAI_BASE_URL (any OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama), OPENAI_API_KEY, OPENAI_MODEL.');
    process.exit(2);
  }
  return {
    winkUrl: process.env.WINK_URL ?? 'http://127.0.0.1:8787',
    winkApiKey: process.env.WINK_API_KEY!,
    baseURL: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-for-local-servers',
    model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
  };
}
