import { runClaudeCodeHook } from './hook.ts';

/** `wink hook <agent>` without the rest of the CLI loaded (hooks run on every tool call). Always resolves to the text to print. */
export async function runHookCommand(args: readonly string[], stdin: string, elapsedMs: () => number): Promise<string> {
  const warn = (message: string) => void process.stderr.write(`${message}\n`);
  if (args[0] !== 'claude-code') {
    warn(`wink hook: unknown agent ${JSON.stringify(args[0] ?? '')}; supported: claude-code`);
    return '{}';
  }
  return runClaudeCodeHook(stdin, process.env, warn, elapsedMs);
}
