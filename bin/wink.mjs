#!/usr/bin/env node
// The `wink` command: registers tsx so the TypeScript CLI runs as is, then hands over to it.

if (process.argv[2] === 'hook') {
  // A coding agent's hook must never stall. The hook runs in a worker thread (loading TypeScript
  // blocks the thread that does it for a while); this thread only keeps the deadline: at the latest
  // then it prints `{}` and exits 0, whatever the worker is doing.
  const { Worker } = await import('node:worker_threads');
  const configured = Number(process.env.WINK_HOOK_TIMEOUT_MS);
  const deadlineMs = Number.isFinite(configured) && configured > 0 ? Math.min(configured, 10_000) : 1500;
  let answered = false;
  const answer = (text) => {
    if (answered) return;
    answered = true;
    process.stdout.write(`${text}\n`, () => process.exit(0));
  };
  setTimeout(() => answer('{}'), Math.max(0, deadlineMs - performance.now()));
  try {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const worker = new Worker(new URL('../cli/hookWorker.mjs', import.meta.url), {
      workerData: { args: process.argv.slice(3), stdin: Buffer.concat(chunks).toString('utf8'), startedAt: performance.timeOrigin },
    });
    worker.on('message', (text) => answer(typeof text === 'string' ? text : '{}'));
    worker.on('error', () => answer('{}'));
    worker.on('exit', () => answer('{}'));
  } catch {
    answer('{}');
  }
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
