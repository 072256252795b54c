/**
 * A small coding agent on the OpenAI Agents SDK (@openai/agents 0.14), watched by Wink.
 *
 *   npm start                                   # another terminal: Wink on 127.0.0.1:8787, prints the key
 *   WINK_API_KEY=… OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=qwen2.5-coder \
 *     npx tsx examples/openai-agents.ts
 *
 * Any OpenAI-compatible endpoint works: the model is driven through Chat Completions.
 */
import { Agent, OpenAIChatCompletionsModel, Runner, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { WinkClient } from 'wink/sdk';
import { winkForAgents } from 'wink/sdk/openai-agents';
import { exampleSettings, runShell, scratchProject, TASK } from './workspace.ts';

const settings = exampleSettings();
const cwd = scratchProject();
const model = new OpenAIChatCompletionsModel(new OpenAI({ baseURL: settings.baseURL, apiKey: settings.apiKey }), settings.model);

const agent = new Agent({
  name: 'coder',
  instructions: 'You are a careful coding agent. Use the bash tool to inspect and fix the project, then say what you changed.',
  model,
  tools: [tool({
    name: 'bash',
    description: 'Run a shell command in the project directory; returns the exit code and output',
    parameters: z.object({ command: z.string() }),
    execute: async ({ command }) => JSON.stringify(await runShell(command, cwd)),
  })],
});

const client = new WinkClient({ baseUrl: settings.winkUrl, apiKey: settings.winkApiKey });
const wink = await winkForAgents(client, { task: TASK, policy: { forbiddenPaths: ['test.js'] } });
const runner = new Runner({ tracingDisabled: true, callModelInputFilter: wink.callModelInputFilter });
wink.attach(runner);
console.log(`Wink session ${wink.session.id ?? '(being created)'}; working in ${cwd}`);

const result = await runner.run(agent, TASK, { maxTurns: 20 });
console.log(result.finalOutput);
console.log('Wink:', await wink.close());
