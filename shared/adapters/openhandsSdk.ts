import type { TrajectoryDocument } from './document.ts';
import { listItems, sampleRecords } from './items.ts';
import { isRecord, normalizeTimestamp, StepCollector, stringField, textOf, type StepDraft } from './steps.ts';
import { TrajectoryFormatError, type Trajectory } from './types.ts';

/** Events of the OpenHands software-agent SDK that the LLM sees, mapped below. */
const CONVERSATION_KINDS = new Set(['SystemPromptEvent', 'MessageEvent', 'ActionEvent', 'ObservationEvent', 'AgentErrorEvent', 'UserRejectObservation']);

/** Bookkeeping events that carry no step of the conversation (state, pauses, context condensation). */
const BOOKKEEPING_KINDS = new Set(['ConversationStateUpdateEvent', 'PauseEvent', 'Condensation', 'CondensationRequest', 'CondensationSummaryEvent', 'TokenEvent', 'LLMCompletionLogEvent']);

/** Action fields that are bookkeeping, not input to the tool. */
const NON_INPUT = new Set(['kind', 'security_risk', 'thought', 'summary']);

/**
 * OpenHands SDK (V1) event logs: a JSON list of events (or `{ "events": [...] }`, or JSON Lines —
 * the per-event files of `~/.openhands/conversations/<id>/events/` concatenated in order), each with
 * `kind` (ActionEvent, ObservationEvent, MessageEvent …), `source` and, for actions, an `action`
 * object whose own `kind` names the tool's action type; results point back by `tool_call_id`.
 */
export function looksLikeOpenHandsSdk(doc: TrajectoryDocument): boolean {
  const sample = sampleRecords(listItems(doc, ['events', 'history']), 20);
  return sample.length > 0 && sample.some((e) => typeof e.kind === 'string' && CONVERSATION_KINDS.has(e.kind));
}

export function convertOpenHandsSdk(doc: TrajectoryDocument, source: string): Omit<Trajectory, 'source' | 'format'> {
  const items = listItems(doc, ['events', 'history']);
  if (!items) throw new TrajectoryFormatError(source, '$', 'an array of OpenHands SDK events, or an object with `events`');
  const collector = new StepCollector(source);
  // Evaluation output lines (`{ instance_id, instruction, history, … }`) keep the task beside the events.
  const root = doc.kind === 'json' && isRecord(doc.value) ? doc.value : {};
  let task: string | undefined;
  // The think tool's "Your thought has been logged." answers a call that is read as assistant text.
  const thinkCalls = new Set<string>();

  for (const { value: event, at } of items) {
    if (!isRecord(event) || typeof event.kind !== 'string') throw new TrajectoryFormatError(source, at, 'an OpenHands SDK event with a `kind`');
    const timestamp = normalizeTimestamp(event.timestamp);
    const add = (draft: StepDraft): void => collector.add({ ...draft, ...(timestamp ? { timestamp } : {}) }, at);
    switch (event.kind) {
      case 'SystemPromptEvent': {
        const prompt = isRecord(event.system_prompt) ? stringField(event.system_prompt, 'text') : textOf(event.system_prompt);
        if (prompt?.trim()) add({ type: 'system', content: prompt });
        break;
      }
      case 'MessageEvent': {
        const message = isRecord(event.llm_message) ? event.llm_message : {};
        const text = textOf(message.content) ?? '';
        const role = stringField(message, 'role') ?? (event.source === 'user' ? 'user' : 'assistant');
        if (role === 'user') {
          task ??= text;
          add({ type: 'user', content: text });
        } else if (role === 'system') {
          add({ type: 'system', content: text });
        } else {
          const reasoning = stringField(message, 'reasoning_content');
          add({ type: 'assistant', content: [reasoning, text].filter((t) => t?.trim()).join('\n\n') });
        }
        break;
      }
      case 'ActionEvent':
        if (isThink(event)) thinkCalls.add(idOf(event).toolCallId ?? '');
        for (const draft of actionSteps(event, source, at)) add(draft);
        break;
      case 'ObservationEvent':
        if (!thinkCalls.has(idOf(event).toolCallId ?? '\u0000')) add(observationStep(event));
        break;
      case 'AgentErrorEvent':
        add({ type: 'tool_result', content: stringField(event, 'error') ?? 'agent error', isError: true, ...idOf(event) });
        break;
      case 'UserRejectObservation':
        add({ type: 'tool_result', content: stringField(event, 'rejection_reason') || 'The user rejected this action.', isError: true, ...idOf(event) });
        break;
      default:
        if (!BOOKKEEPING_KINDS.has(event.kind)) collector.warn(at, `event kind '${event.kind}' is not read and was left out`);
    }
  }
  return collector.trajectory(task ?? stringField(root, 'instruction'));
}

function actionSteps(event: Record<string, unknown>, source: string, at: string): StepDraft[] {
  const action = event.action;
  if (!isRecord(action)) throw new TrajectoryFormatError(source, `${at}.action`, 'an action object', typeof action);
  const thought = [stringField(event, 'reasoning_content'), textOf(event.thought)].filter((t) => t?.trim()).join('\n\n');
  const said: StepDraft[] = thought ? [{ type: 'assistant', content: thought }] : [];
  const actionKind = stringField(action, 'kind') ?? '';
  const toolName = stringField(event, 'tool_name') || toolNameOf(actionKind);

  if (isThink(event)) {
    const text = stringField(action, 'thought');
    return text?.trim() ? [...said, { type: 'assistant', content: text }] : said;
  }
  const input = Object.fromEntries(Object.entries(action).filter(([key, value]) => !NON_INPUT.has(key) && value !== null));
  if (actionKind === 'FinishAction' || toolName === 'finish') {
    // The closing words, then the finish call itself: a submit whatever the words say.
    const { message, ...rest } = input;
    const words = typeof message === 'string' && message.trim() ? [{ type: 'assistant', content: message } as StepDraft] : [];
    return [...said, ...words, { type: 'tool_call', toolName: 'finish', toolInput: rest, ...idOf(event) }];
  }
  return [...said, { type: 'tool_call', toolName, toolInput: input, ...idOf(event) }];
}

function observationStep(event: Record<string, unknown>): StepDraft {
  const observation = isRecord(event.observation) ? event.observation : {};
  const content = textOf(observation.content) ?? stringField(observation, 'output') ?? stringField(observation, 'text') ?? '';
  const metadata = isRecord(observation.metadata) ? observation.metadata : {};
  const exit = typeof observation.exit_code === 'number' ? observation.exit_code : metadata.exit_code;
  // -1 is "no exit code yet" (the command still ran when the observation was taken), not a failure code.
  const exitCode = typeof exit === 'number' && Number.isInteger(exit) && exit >= 0 ? exit : undefined;
  const failed = observation.is_error === true || observation.error === true || (typeof observation.error === 'string' && observation.error !== '');
  return {
    type: 'tool_result',
    content: content || (typeof observation.error === 'string' ? observation.error : ''),
    ...idOf(event),
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(failed ? { isError: true } : {}),
  };
}

function isThink(event: Record<string, unknown>): boolean {
  return event.tool_name === 'think' || (isRecord(event.action) && event.action.kind === 'ThinkAction');
}

/** `ExecuteBashAction` → `execute_bash`, for events that omit `tool_name`. */
function toolNameOf(actionKind: string): string {
  const base = actionKind.replace(/Action$/, '') || 'unknown';
  return base.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function idOf(event: Record<string, unknown>): { toolCallId?: string } {
  const id = stringField(event, 'tool_call_id') ?? stringField(event, 'action_id');
  return id ? { toolCallId: id.slice(0, 256) } : {};
}
