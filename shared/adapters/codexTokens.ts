import type { Step } from '../steps.ts';
import { isRecord } from './steps.ts';

type Tokens = NonNullable<Step['tokens']>;

/**
 * Token usage from Codex `token_count` events. Each event carries the session's running total
 * (`total_token_usage`) and the last call's figures (`last_token_usage`); Codex repeats an event
 * unchanged when only its rate limits move, so a call is counted by how much the running total
 * grew, never twice. `input_tokens` already includes the cached part, and `output_tokens` the
 * reasoning part. The usage goes on the last step the model produced before the event; usage
 * reported before any model step waits for the next one.
 */
export class TokenCounts {
  private total: Tokens = { input: 0, output: 0 };
  private lastModelStep: number | undefined;
  private pending: Tokens | undefined;
  private readonly byStep = new Map<number, Tokens>();

  /** A step the model produced (assistant text or a tool call), by its index among the steps. */
  modelStep(index: number): void {
    this.lastModelStep = index;
    if (this.pending) this.assign(this.pending);
    this.pending = undefined;
  }

  /** A `token_count` event's `info` (null when the event only updates rate limits). */
  report(info: unknown): void {
    if (!isRecord(info)) return;
    const total = tokensOf(info.total_token_usage);
    let call: Tokens | undefined;
    if (total) {
      call = { input: Math.max(0, total.input - this.total.input), output: Math.max(0, total.output - this.total.output) };
      this.total = total;
    } else {
      call = tokensOf(info.last_token_usage);
    }
    if (!call || call.input + call.output === 0) return;
    if (this.lastModelStep === undefined) this.pending = add(this.pending, call);
    else this.assign(call);
  }

  applyTo(steps: Step[]): Step[] {
    return steps.map((step) => {
      const tokens = this.byStep.get(step.index);
      return tokens ? { ...step, tokens } : step;
    });
  }

  private assign(call: Tokens): void {
    const index = this.lastModelStep!;
    this.byStep.set(index, add(this.byStep.get(index), call));
  }
}

function tokensOf(usage: unknown): Tokens | undefined {
  if (!isRecord(usage)) return undefined;
  const count = (key: string): number => (Number.isInteger(usage[key]) && (usage[key] as number) >= 0 ? (usage[key] as number) : 0);
  return { input: count('input_tokens'), output: count('output_tokens') };
}

function add(a: Tokens | undefined, b: Tokens): Tokens {
  return a ? { input: a.input + b.input, output: a.output + b.output } : b;
}
