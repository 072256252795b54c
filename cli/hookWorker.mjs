// Runs `wink hook …` inside bin/wink.mjs's worker thread: loads the TypeScript hook and posts back the text to print.
import { parentPort, workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  const { runHookCommand } = await import('./hookCommand.ts');
  parentPort.postMessage(await runHookCommand(workerData.args, workerData.stdin, () => Date.now() - workerData.startedAt));
} catch {
  parentPort.postMessage('{}');
}
