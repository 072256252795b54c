/**
 * Wink for the OpenAI Agents SDK (`@openai/agents` 0.14.x): RunHooks listeners post tool calls,
 * their results and the final output as Wink steps; `callModelInputFilter` adds pending guidance
 * to the next model input. Only types are imported from the SDK: it stays a peer dependency.
 */
import type { AgentInputItem, CallModelInputFilter, ModelInputData } from '@openai/agents';
import type { CreateSessionRequest } from '../shared/steps.ts';
import type { WinkClient } from './client.ts';
import { guidanceReminder, toStepContent, toToolInput } from './mapping.ts';
import type { StepInput, WinkSession } from './session.ts';

export interface WinkForAgentsOptions extends Omit<CreateSessionRequest, 'agentId'> {
  /** Default: the name of the agent that runs, as "openai-agents". */
  agentId?: string;
}

/** What the run hooks hand over about a tool call (function, hosted and shell calls alike). */
interface ToolCallDetails {
  toolCall: { type: string; callId?: string; id?: string; name?: string; arguments?: string; action?: unknown };
}
interface NamedTool { name: string }
/** A Runner (it extends RunHooks) or any RunHooks emitter. */
interface HookEmitter {
  on(event: 'agent_tool_start' | 'agent_tool_end' | 'agent_end', listener: (...args: any[]) => void): unknown;
  off(event: 'agent_tool_start' | 'agent_tool_end' | 'agent_end', listener: (...args: any[]) => void): unknown;
}

export interface WinkAgentsHooks {
  session: WinkSession;
  /** RunHooks listeners, for `runner.on(event, listener)`; `attach(runner)` registers all three. */
  listeners: {
    agent_tool_start: (context: unknown, agent: unknown, tool: NamedTool, details: ToolCallDetails) => void;
    agent_tool_end: (context: unknown, agent: unknown, tool: NamedTool, result: string, details: ToolCallDetails) => void;
    agent_end: (context: unknown, agent: unknown, output: string) => void;
  };
  attach: (runner: HookEmitter) => () => void;
  callModelInputFilter: CallModelInputFilter;
  close: (timeoutMs?: number) => Promise<unknown>;
}

/**
 * `const wink = await winkForAgents(client, { task })`; then
 * `const runner = new Runner({ callModelInputFilter: wink.callModelInputFilter }); wink.attach(runner);`.
 */
export async function winkForAgents(client: WinkClient, options: WinkForAgentsOptions): Promise<WinkAgentsHooks> {
  const { agentId = 'openai-agents', ...rest } = options;
  const session = await client.createSession({ agentId, ...rest });
  // Input items already turned into steps: the model's own messages reach Wink through the next input.
  let itemsSeen = 0;

  const post = (steps: StepInput[]) => {
    try {
      session.postSteps(steps);
    } catch {
      // postSteps reports its own trouble; nothing here may break the run.
    }
  };

  const listeners: WinkAgentsHooks['listeners'] = {
    agent_tool_start(_context, _agent, tool, details) {
      const call = details?.toolCall;
      post([{
        type: 'tool_call',
        toolName: tool?.name ?? call?.name ?? call?.type ?? 'tool',
        ...callId(call),
        ...(call?.arguments !== undefined ? { toolInput: toToolInput(parseArguments(call.arguments)) }
          : call?.action !== undefined ? { toolInput: toToolInput(call.action) } : {}),
      }]);
    },
    agent_tool_end(_context, _agent, tool, result, details) {
      const content = toStepContent(result);
      post([{ type: 'tool_result', toolName: tool?.name ?? 'tool', ...callId(details?.toolCall), content, ...(isToolFailure(content) ? { isError: true } : {}) }]);
    },
    agent_end(_context, _agent, output) {
      const text = toStepContent(output ?? '');
      if (text.trim()) post([{ type: 'assistant', content: text }]);
    },
  };

  const callModelInputFilter: CallModelInputFilter = ({ modelData }): ModelInputData => {
    try {
      post(newMessageSteps(modelData.input.slice(itemsSeen)));
      itemsSeen = modelData.input.length;
      const guidance = session.takeGuidance();
      if (guidance === undefined) return modelData;
      const reminder: AgentInputItem = { role: 'user', content: guidanceReminder(guidance) };
      return { ...modelData, input: [...modelData.input, reminder] };
    } catch {
      return modelData;
    }
  };

  return {
    session,
    listeners,
    attach(runner) {
      runner.on('agent_tool_start', listeners.agent_tool_start);
      runner.on('agent_tool_end', listeners.agent_tool_end);
      runner.on('agent_end', listeners.agent_end);
      return () => {
        runner.off('agent_tool_start', listeners.agent_tool_start);
        runner.off('agent_tool_end', listeners.agent_tool_end);
        runner.off('agent_end', listeners.agent_end);
      };
    },
    callModelInputFilter,
    close: (timeoutMs) => session.close(timeoutMs),
  };
}

/** The user's messages and the model's text between tool calls (tool items come from the hooks). */
function newMessageSteps(items: readonly AgentInputItem[]): StepInput[] {
  const steps: StepInput[] = [];
  for (const item of items) {
    if (!('role' in item) || (item.type !== undefined && item.type !== 'message')) continue;
    if (item.role !== 'user' && item.role !== 'assistant' && item.role !== 'system') continue;
    const text = messageText(item.content);
    if (text.trim() && !text.includes('Guidance from Wink')) steps.push({ type: item.role, content: toStepContent(text) });
  }
  return steps;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { type?: string; text?: string; refusal?: string }) => part.text ?? part.refusal ?? '').join('');
}

/**
 * The hooks pass only the result text. A tool that threw (or timed out) is answered with the SDK's
 * documented default messages; a custom errorFunction's output is taken as plain output.
 */
const TOOL_FAILURE = /^(?:An error occurred while running the tool\. Please try again\. Error: |Tool '[^']*' timed out after \d+ms\.)/;

function isToolFailure(result: string): boolean {
  return TOOL_FAILURE.test(result);
}

function callId(call: ToolCallDetails['toolCall'] | undefined): { toolCallId?: string } {
  const id = call?.callId ?? call?.id;
  return id ? { toolCallId: id } : {};
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
