import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runDemo } from '../../local/demo.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';

/** `npm run demo` is the README's first impression: it must detect and deliver on a fresh clone. */
describe('npm run demo', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      endpoints: { dynamoEndpoint: inject('dynamoEndpoint'), sqsEndpoint: inject('sqsEndpoint') },
      port: 0,
      prefix: `demo-${process.pid}`,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('replays the bundled trajectories and reports one signed delivery per misbehaving run, none for the clean one', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.join(' ')); });
    try {
      await runDemo(stack);
    } finally {
      log.mockRestore();
    }
    const output = lines.join('\n');
    const runs = output.split('▶').slice(1);
    expect(runs).toHaveLength(3);
    expect(runs[0]).toMatch(/interventions: 1/);
    expect(runs[0]).toMatch(/repeated_failing_call/);
    expect(runs[1]).toMatch(/interventions: 0/);
    expect(runs[2]).toMatch(/interventions: 1/);
    expect(output.match(/signature valid/g)).toHaveLength(2);
    expect(output).not.toMatch(/INVALID/);
  });
});
