import { Agent, Runner, tool, Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LocalStack } from '../../local/stack.ts';
import { winkForAgents } from '../../sdk/openaiAgents.ts';
import { WinkClient, type WinkSession } from '../../sdk/index.ts';
import type { apiClient } from '../support/apiClient.ts';
import { GUIDANCE_MARKER, letWinkCatchUp, promptsWithGuidance, startSdkStack } from './support.ts';

type Decide = (input: ModelRequest['input']) => { command: string } | { text: string };

/** A fake `Model` for the Agents SDK, driven by a script; it records every input it receives. */
class ScriptedModel implements Model {
  readonly inputs: ModelRequest['input'][] = [];
  private calls = 0;
  constructor(private readonly decide: Decide) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.inputs.push(structuredClone(request.input));
    const action = this.decide(request.input);
    this.calls += 1;
    const usage = new Usage({ requests: 1, inputTokens: 50, outputTokens: 10, totalTokens: 60 });
    if ('text' in action) {
      return { usage, output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: action.text }] }] };
    }
    return {
      usage,
      output: [{ type: 'function_call', callId: `call_${this.calls}`, name: 'bash', arguments: JSON.stringify({ command: action.command }), status: 'completed' }],
    };
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('ScriptedModel does not stream');
  }
}

const stubbornAgent: Decide = (input) => (JSON.stringify(input).includes(GUIDANCE_MARKER)
  ? { text: 'Wink is right: I will install requests before running app.py again.' }
  : { command: 'python app.py' });

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

function agentWith(model: Model, session: () => WinkSession, api: ReturnType<typeof apiClient>) {
  let runs = 0;
  const bash = tool({
    name: 'bash',
    description: 'Run a shell command',
    parameters: z.object({ command: z.string() }),
    execute: async ({ command }) => {
      // From the third run on, a slow tool: Wink has seen every earlier step (detection needs three failures).
      if (++runs >= 3) await letWinkCatchUp(session(), api);
      if (command === 'python app.py') throw new Error("ModuleNotFoundError: No module named 'requests'");
      return OUTPUTS[command] ?? '';
    },
  });
  return new Agent({ name: 'coder', instructions: 'You fix bugs.', model, tools: [bash] });
}

describe('winkForAgents (@openai/agents 0.14, fake Model, real local Wink)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let client: WinkClient;

  beforeAll(async () => {
    ({ stack, api } = await startSdkStack('agents'));
    client = new WinkClient({ baseUrl: stack.url, apiKey: stack.apiKey, flushIntervalMs: 10, pollInterventions: false, onError: (e) => { throw e; } });
  });
  afterAll(async () => {
    await client?.close(1_000);
    await stack?.stop();
  });

  it("guidance about a repeated failing call reaches the model's next input exactly once", async () => {
    const task = 'Fix the failing import in app.py';
    const wink = await winkForAgents(client, { task });
    const model = new ScriptedModel(stubbornAgent);
    const runner = new Runner({ tracingDisabled: true, callModelInputFilter: wink.callModelInputFilter });
    wink.attach(runner);

    const result = await runner.run(agentWith(model, () => wink.session, api), task, { maxTurns: 10 });

    expect(promptsWithGuidance(model.inputs)).toEqual([4]); // calls 1–3 failed alike; Wink answered during the 4th
    expect(JSON.stringify(model.inputs[4])).toContain('python app.py');
    expect(result.finalOutput).toContain('install requests');
    await wink.close();
    const summary = (await api.getSession(wink.session.id!)).body;
    expect(summary.interventions).toHaveLength(1);
    expect(summary.interventions[0]).toMatchObject({ subtype: 'repeated_failing_call' });
    expect(summary.stepCount).toBe(1 + 4 * 2 + 1); // task, four failing calls with their errors, the final output
  });

  it('a clean scripted run gets no guidance', async () => {
    const task = 'Fix the off-by-one in range_sum()';
    const wink = await winkForAgents(client, { task });
    const model = new ScriptedModel(cleanAgent());
    const runner = new Runner({ tracingDisabled: true, callModelInputFilter: wink.callModelInputFilter });
    wink.attach(runner);

    await runner.run(agentWith(model, () => wink.session, api), task, { maxTurns: 10 });
    await letWinkCatchUp(wink.session, api);

    expect(model.inputs).toHaveLength(4);
    expect(promptsWithGuidance(model.inputs)).toEqual([]);
    expect(wink.session.takeGuidance()).toBeUndefined();
    expect((await api.getSession(wink.session.id!)).body).toMatchObject({ stepCount: 1 + 3 * 2 + 1, verdicts: [] });
    await wink.close();
  });
});
