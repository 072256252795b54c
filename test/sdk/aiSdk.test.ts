import { generateText, stepCountIs, streamText, tool, ToolLoopAgent, type ModelMessage, type StepResult, type ToolSet } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import type { LanguageModelV3CallOptions, LanguageModelV3Content, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LocalStack } from '../../local/stack.ts';
import { stepResultToWinkSteps, winkForAiSdk } from '../../sdk/aiSdk.ts';
import { WinkClient, type WinkSession } from '../../sdk/index.ts';
import type { apiClient } from '../support/apiClient.ts';
import { GUIDANCE_MARKER, letWinkCatchUp, promptsWithGuidance, startSdkStack } from './support.ts';

type Decide = (prompt: LanguageModelV3CallOptions['prompt']) => { command: string } | { text: string };

/** Keeps running `python app.py` (which fails) until guidance appears in its prompt; then changes course. */
const stubbornAgent: Decide = (prompt) => (JSON.stringify(prompt).includes(GUIDANCE_MARKER)
  ? { text: 'Wink is right: I will install requests before running app.py again.' }
  : { command: 'python app.py' });

/** Explores, edits, tests, finishes: nothing repeats. */
function cleanAgent(): Decide {
  const commands = ['cat src/range_sum.py', "sed -i 's/range(a, b)/range(a, b + 1)/' src/range_sum.py", 'pytest -q'];
  let call = 0;
  return () => {
    const command = commands[call++];
    return command ? { command } : { text: 'Fixed: range_sum now includes b; the tests pass.' };
  };
}

const OUTPUTS: Record<string, string> = {
  'cat src/range_sum.py': 'def range_sum(a, b):\n    return sum(range(a, b))',
  'pytest -q': '3 passed in 0.02s',
};

const usage = { inputTokens: { total: 50, noCache: 50, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 10, text: 10, reasoning: undefined } };

/** The AI SDK's own mock model, driven by a script; it records every prompt it receives. */
function scriptedModel(decide: Decide) {
  const prompts: LanguageModelV3CallOptions['prompt'][] = [];
  let calls = 0;
  const next = (options: LanguageModelV3CallOptions): LanguageModelV3Content[] => {
    prompts.push(options.prompt);
    const action = decide(options.prompt);
    calls += 1;
    return 'text' in action
      ? [{ type: 'text', text: action.text }]
      : [{ type: 'tool-call', toolCallId: `call_${calls}`, toolName: 'bash', input: JSON.stringify({ command: action.command }) }];
  };
  const model = new MockLanguageModelV3({
    doGenerate: async (options) => {
      const content = next(options);
      return { content, finishReason: { unified: content[0]!.type === 'text' ? 'stop' : 'tool-calls', raw: undefined }, usage, warnings: [] };
    },
    doStream: async (options) => {
      const content = next(options);
      const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      for (const part of content) {
        if (part.type === 'text') parts.push({ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: part.text }, { type: 'text-end', id: 't' });
        else parts.push(part as LanguageModelV3StreamPart);
      }
      parts.push({ type: 'finish', finishReason: { unified: content[0]!.type === 'text' ? 'stop' : 'tool-calls', raw: undefined }, usage });
      return { stream: simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null }) };
    },
  });
  return { model, prompts };
}

function bashTool(session: () => WinkSession, api: ReturnType<typeof apiClient>) {
  let runs = 0;
  return tool({
    description: 'Run a shell command',
    inputSchema: z.object({ command: z.string() }),
    execute: async ({ command }) => {
      // From the third run on, a slow tool: Wink has seen every earlier step (detection needs three failures).
      if (++runs >= 3) await letWinkCatchUp(session(), api);
      if (command === 'python app.py') throw new Error("ModuleNotFoundError: No module named 'requests'");
      return OUTPUTS[command] ?? '';
    },
  });
}

interface RunArgs { model: MockLanguageModelV3; tools: ToolSet; prompt: string; wink: Awaited<ReturnType<typeof winkForAiSdk>> }
type Run = (args: RunArgs) => Promise<{ steps: Array<{ text: string }> }>;

const runners: Record<'generateText' | 'streamText' | 'ToolLoopAgent', Run> = {
  generateText: (args) =>
    generateText({ model: args.model, tools: args.tools, prompt: args.prompt, stopWhen: stepCountIs(10),
      onStepFinish: args.wink.onStepFinish, prepareStep: args.wink.prepareStep }),
  streamText: async (args) => {
    const result = streamText({ model: args.model, tools: args.tools, prompt: args.prompt, stopWhen: stepCountIs(10),
      onStepFinish: args.wink.onStepFinish, prepareStep: args.wink.prepareStep });
    await result.consumeStream();
    return { steps: await result.steps };
  },
  ToolLoopAgent: (args) =>
    new ToolLoopAgent({ model: args.model, tools: args.tools, stopWhen: stepCountIs(10),
      onStepFinish: args.wink.onStepFinish, prepareStep: args.wink.prepareStep }).generate({ prompt: args.prompt }),
};

describe('winkForAiSdk (ai 6, MockLanguageModelV3, real local Wink)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let client: WinkClient;

  beforeAll(async () => {
    ({ stack, api } = await startSdkStack('aisdk'));
    client = new WinkClient({ baseUrl: stack.url, apiKey: stack.apiKey, flushIntervalMs: 10, pollInterventions: false, onError: (e) => { throw e; } });
  });
  afterAll(async () => {
    await client?.close(1_000);
    await stack?.stop();
  });

  for (const [name, run] of Object.entries(runners)) {
    it(`${name}: guidance about a repeated failing call reaches the model's next prompt exactly once`, async () => {
      const task = 'Fix the failing import in app.py';
      const wink = await winkForAiSdk(client, { task });
      const { model, prompts } = scriptedModel(stubbornAgent);

      const result = await run({ model, tools: { bash: bashTool(() => wink.session, api) }, prompt: task, wink });

      const withGuidance = promptsWithGuidance(prompts);
      expect(withGuidance).toEqual([4]); // calls 1–3 failed the same way, the 4th ran while Wink caught up
      expect(JSON.stringify(prompts[4])).toContain('python app.py');
      expect(result.steps.at(-1)!.text).toContain('install requests');
      await wink.close();
      const summary = (await api.getSession(wink.session.id!)).body;
      expect(summary.interventions).toHaveLength(1);
      expect(summary.interventions[0]).toMatchObject({ subtype: 'repeated_failing_call' });
      expect(summary.stepCount).toBe(1 + 4 * 2 + 1); // task, four failing calls with their errors, the final answer
    });
  }

  it('a clean scripted run gets no guidance', async () => {
    const task = 'Fix the off-by-one in range_sum()';
    const wink = await winkForAiSdk(client, { task });
    const { model, prompts } = scriptedModel(cleanAgent());

    await runners.generateText({ model, tools: { bash: bashTool(() => wink.session, api) }, prompt: task, wink });
    await letWinkCatchUp(wink.session, api);

    expect(prompts).toHaveLength(4);
    expect(promptsWithGuidance(prompts)).toEqual([]);
    expect(wink.session.takeGuidance()).toBeUndefined();
    expect((await api.getSession(wink.session.id!)).body).toMatchObject({ stepCount: 1 + 3 * 2 + 1, verdicts: [] });
    await wink.close();
  });
});

describe('stepResultToWinkSteps', () => {
  it('maps text, tool calls, results and errors in order, with the step usage', () => {
    const step = {
      content: [
        { type: 'text', text: 'Running it.' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'bash', input: { command: 'ls' } },
        { type: 'tool-result', toolCallId: 'c1', toolName: 'bash', input: { command: 'ls' }, output: { files: ['a'] } },
        { type: 'tool-call', toolCallId: 'c2', toolName: 'bash', input: { command: 'x' } },
        { type: 'tool-error', toolCallId: 'c2', toolName: 'bash', input: { command: 'x' }, error: new Error('x: not found') },
      ],
      usage: { inputTokens: 12, outputTokens: 3 },
    } as unknown as StepResult<ToolSet>;
    expect(stepResultToWinkSteps(step)).toEqual([
      { type: 'assistant', content: 'Running it.', tokens: { input: 12, output: 3 } },
      { type: 'tool_call', toolName: 'bash', toolCallId: 'c1', toolInput: { command: 'ls' } },
      { type: 'tool_result', toolName: 'bash', toolCallId: 'c1', content: '{"files":["a"]}' },
      { type: 'tool_call', toolName: 'bash', toolCallId: 'c2', toolInput: { command: 'x' } },
      { type: 'tool_result', toolName: 'bash', toolCallId: 'c2', content: 'x: not found', isError: true },
    ]);
  });

  it('prepareStep leaves the messages alone when there is no guidance', async () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'hi' }];
    const offline = new WinkClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', pollInterventions: false, onError: () => {} });
    const wink = await winkForAiSdk(offline, { task: 'offline' }); // Wink unreachable: still usable
    expect(wink.prepareStep({ messages, stepNumber: 0 })).toBeUndefined();
    expect(() => wink.onStepFinish({ content: [{ type: 'text', text: 'x' }], usage: {} } as unknown as StepResult<ToolSet>)).not.toThrow();
    await wink.close(50);
  });
});
