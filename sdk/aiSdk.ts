/**
 * Wink for the Vercel AI SDK (`ai` 6.x): `onStepFinish` turns each step result into Wink steps,
 * `prepareStep` puts pending guidance into the next model call as a reminder message.
 * Only types are imported from `ai`: it stays a peer dependency.
 */
import type { ModelMessage, StepResult, ToolSet } from 'ai';
import type { CreateSessionRequest } from '../shared/steps.ts';
import type { WinkClient } from './client.ts';
import { guidanceReminder, toStepContent, toToolInput } from './mapping.ts';
import type { StepInput, WinkSession } from './session.ts';

export interface WinkForAiSdkOptions extends Omit<CreateSessionRequest, 'agentId'> {
  /** Default: "ai-sdk-agent". */
  agentId?: string;
}

export interface WinkAiSdkHooks {
  session: WinkSession;
  onStepFinish: (step: StepResult<ToolSet>) => void;
  prepareStep: (options: { messages: ModelMessage[]; stepNumber: number }) => { messages: ModelMessage[] } | undefined;
  /** Sends what is buffered and stops polling (bounded; never rejects). */
  close: (timeoutMs?: number) => Promise<unknown>;
}

/**
 * `const wink = await winkForAiSdk(client, { task })`, then pass `onStepFinish: wink.onStepFinish,
 * prepareStep: wink.prepareStep` to generateText, streamText or a ToolLoopAgent.
 */
export async function winkForAiSdk(client: WinkClient, options: WinkForAiSdkOptions): Promise<WinkAiSdkHooks> {
  const { agentId = 'ai-sdk-agent', ...rest } = options;
  const session = await client.createSession({ agentId, ...rest });
  let promptSent = false;

  return {
    session,
    onStepFinish(step) {
      try {
        session.postSteps(stepResultToWinkSteps(step));
      } catch {
        // postSteps reports its own trouble; nothing here may break the agent's loop.
      }
    },
    prepareStep({ messages }) {
      try {
        if (!promptSent) {
          promptSent = true;
          session.postSteps(messages.flatMap(promptMessageToStep));
        }
        const guidance = session.takeGuidance();
        if (guidance === undefined) return undefined;
        // Returned messages apply to this model call only, so the reminder reaches exactly one prompt.
        return { messages: [...messages, { role: 'user', content: guidanceReminder(guidance) }] };
      } catch {
        return undefined;
      }
    },
    close: (timeoutMs) => session.close(timeoutMs),
  };
}

/** One AI SDK step: the model's text, then each tool call and its result or error, in order. */
export function stepResultToWinkSteps(step: Pick<StepResult<ToolSet>, 'content' | 'usage'>): StepInput[] {
  const steps: StepInput[] = [];
  const text = step.content.filter((part) => part.type === 'text').map((part) => part.text).join('').trim();
  const tokens = step.usage.inputTokens !== undefined || step.usage.outputTokens !== undefined
    ? { tokens: { input: step.usage.inputTokens ?? 0, output: step.usage.outputTokens ?? 0 } }
    : {};
  if (text) steps.push({ type: 'assistant', content: toStepContent(text), ...tokens });
  for (const part of step.content) {
    if (part.type === 'tool-call') {
      steps.push({ type: 'tool_call', toolName: part.toolName, toolCallId: part.toolCallId, toolInput: toToolInput(part.input) });
    } else if (part.type === 'tool-result') {
      steps.push({ type: 'tool_result', toolName: part.toolName, toolCallId: part.toolCallId, content: toStepContent(part.output) });
    } else if (part.type === 'tool-error') {
      steps.push({ type: 'tool_result', toolName: part.toolName, toolCallId: part.toolCallId, content: toStepContent(errorText(part.error)), isError: true });
    }
  }
  if (!text && steps.length > 0 && 'tokens' in tokens) steps[0] = { ...steps[0]!, ...tokens };
  return steps;
}

function promptMessageToStep(message: ModelMessage): StepInput[] {
  if (message.role !== 'user' && message.role !== 'system') return [];
  const text = typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  return text.trim() ? [{ type: message.role, content: toStepContent(text) }] : [];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}
