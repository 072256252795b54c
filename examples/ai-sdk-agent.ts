/**
 * A small coding agent on the Vercel AI SDK (ai 6), watched by Wink.
 *
 *   npm start                                   # another terminal: Wink on 127.0.0.1:8787, prints the key
 *   WINK_API_KEY=… OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=qwen2.5-coder \
 *     npx tsx examples/ai-sdk-agent.ts
 *
 * Any OpenAI-compatible endpoint works (OpenAI, vLLM, Ollama, LM Studio). Wink's three lines are
 * marked; everything else is a plain AI SDK agent.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import { WinkClient } from 'wink/sdk';
import { winkForAiSdk } from 'wink/sdk/ai-sdk';
import { exampleSettings, runShell, scratchProject, TASK } from './workspace.ts';

const settings = exampleSettings();
const cwd = scratchProject();
const provider = createOpenAICompatible({ name: 'openai-compatible', baseURL: settings.baseURL, apiKey: settings.apiKey });

const client = new WinkClient({ baseUrl: settings.winkUrl, apiKey: settings.winkApiKey });                  // Wink 1/3
const wink = await winkForAiSdk(client, { task: TASK, policy: { forbiddenPaths: ['test.js'] } });            // Wink 2/3
console.log(`Wink session ${wink.session.id ?? '(being created)'}; working in ${cwd}`);

const result = await generateText({
  model: provider.chatModel(settings.model),
  system: 'You are a careful coding agent. Use the bash tool to inspect and fix the project, then say what you changed.',
  prompt: TASK,
  tools: {
    bash: tool({
      description: 'Run a shell command in the project directory; returns the exit code and output',
      inputSchema: z.object({ command: z.string() }),
      execute: async ({ command }) => runShell(command, cwd),
    }),
  },
  stopWhen: stepCountIs(20),
  onStepFinish: wink.onStepFinish, prepareStep: wink.prepareStep,                                             // Wink 3/3
});

console.log(result.text);
console.log('Wink:', await wink.close());
