import { StepCollector, type StepDraft } from './steps.ts';
import { isHarnessRejection, isHarnessTimeout, looksLikeObservation, statedReturnCode, textActions, type TextAction } from './textActions.ts';

/** The commands with which mini-SWE-agent (and its predecessors) submit: the run's `submit` call. */
const SUBMIT_SENTINEL = /^\s*echo\s+['"]?(?:COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT|NANO_SWE_AGENT_FINAL_OUTPUT)\b/;

/**
 * Reads the turns of a chat-shaped run whose agent may write its calls in text: each assistant
 * reply without structured calls is held until the next message shows what the harness did with it
 * — ran it (an observation: the text calls become tool_call steps and the observation their result),
 * rejected it (a malformed call and its failed result), or nothing (plain conversation).
 */
export class TextActionTurns {
  private pending: { text: string; at: string } | undefined;
  private callCount = 0;
  private openCallId: string | undefined;

  constructor(private readonly collector: StepCollector, private readonly shellTool = 'bash') {}

  /** An assistant reply with no structured tool calls; its text is added now, its calls when the answer comes. */
  assistantText(text: string, at: string): void {
    if (text.trim()) this.collector.add({ type: 'assistant', content: text }, at);
    this.pending = { text, at };
  }

  /** A structured call: any held text reply was plain conversation. */
  structuredCall(draft: StepDraft, at: string): void {
    this.pending = undefined;
    this.collector.add(draft, at);
  }

  /**
   * A user-role message after a reply: an observation, a rejection or a timeout answers the held
   * reply's text calls; anything else is a user message. Returns true when it was a harness answer.
   */
  userMessage(content: string, at: string): boolean {
    const pending = this.pending;
    this.pending = undefined;
    if (pending && isHarnessRejection(content)) {
      // The harness could not find one runnable call: a call of its tool with nothing to run, failed.
      const id = this.nextId();
      this.collector.add({ type: 'tool_call', toolName: this.shellTool, toolInput: {}, toolCallId: id }, `${pending.at} (rejected reply)`);
      this.collector.add({ type: 'tool_result', content, toolCallId: id, isError: true }, at);
      return true;
    }
    // A submission is answered by the harness's closing message (the diff), not by an observation.
    const submits = pending !== undefined && textActions(pending.text, this.shellTool).some((action) => isSubmitCommand(action.toolInput.command));
    if (pending && (submits || looksLikeObservation(content) || isHarnessTimeout(content))) {
      const actions = textActions(pending.text, this.shellTool);
      if (actions.length > 0) {
        const ids = actions.map((action) => this.addCall(action, pending.at));
        this.addResult(content, ids.at(-1)!, at);
        return true;
      }
    }
    if (isHarnessRejection(content) || isHarnessTimeout(content)) {
      this.collector.add({ type: 'tool_result', content, isError: true, ...(this.openCallId ? { toolCallId: this.openCallId } : {}) }, at);
      return true;
    }
    return false;
  }

  /**
   * The run ended (or the harness closed it) after a held reply: a submission in it is still the
   * run's submit call, answered by nothing; any other text stays plain conversation.
   */
  end(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const actions = textActions(pending.text, this.shellTool);
    if (actions.some((action) => isSubmitCommand(action.toolInput.command))) actions.forEach((action) => this.addCall(action, pending.at));
  }

  /** A tool-role result for a structured call (mini-SWE-agent 2.x): exit code from `<returncode>`. */
  toolResult(content: string, toolCallId: string | undefined, at: string): void {
    this.pending = undefined;
    this.addResult(content, toolCallId, at);
  }

  private addCall(action: TextAction, at: string): string {
    const id = this.nextId();
    this.collector.add({ ...callDraft(action), toolCallId: id }, `${at} (text action)`);
    this.openCallId = id;
    return id;
  }

  private addResult(content: string, toolCallId: string | undefined, at: string): void {
    const exitCode = statedReturnCode(content);
    const timedOut = isHarnessTimeout(content);
    this.collector.add({
      type: 'tool_result',
      content,
      ...(toolCallId ? { toolCallId } : {}),
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(timedOut ? { isError: true } : {}),
    }, at);
  }

  private nextId(): string {
    this.callCount += 1;
    return `text-call-${this.callCount}`;
  }
}

/** Whether a shell command is mini-SWE-agent's submission sentinel. */
export function isSubmitCommand(command: unknown): boolean {
  return typeof command === 'string' && SUBMIT_SENTINEL.test(command);
}

/** A text call as a step: mini-SWE-agent's submit sentinel is the run's `submit`. */
export function callDraft(action: TextAction): StepDraft {
  const toolName = isSubmitCommand(action.toolInput.command) ? 'submit' : action.toolName;
  return { type: 'tool_call', toolName, toolInput: action.toolInput };
}
