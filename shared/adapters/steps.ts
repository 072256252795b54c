import { StepSchema, type Step } from '../steps.ts';
import { TrajectoryFormatError } from './types.ts';

/** A step before it has an index, with where it came from in the source (for error messages). */
export type StepDraft = Omit<Step, 'index'>;

/**
 * Collects the steps an adapter produces, numbers them 0..n-1 in order, and validates each one
 * against the API's StepSchema, so every trajectory that loads can be posted as is.
 */
export class StepCollector {
  private readonly drafts: Array<{ draft: StepDraft; at: string }> = [];
  /** Content the adapter saw but could not map to a step: reported, never silently dropped. */
  readonly warnings: string[] = [];

  constructor(private readonly source: string) {}

  /** Notes content that was left out, once per distinct message (the first location is kept). */
  warn(at: string, message: string): void {
    if (!this.warnings.some((w) => w.endsWith(`: ${message}`))) this.warnings.push(`${this.source}: ${at}: ${message}`);
  }

  add(draft: StepDraft, at: string): void {
    this.drafts.push({ draft: withoutUndefined(draft), at });
  }

  get count(): number {
    return this.drafts.length;
  }

  /** The adapter's answer: the task when known, the steps, and any warnings. */
  trajectory(task: string | undefined): { task?: string; steps: Step[]; warnings?: string[] } {
    const steps = this.finish();
    return { ...(task === undefined ? {} : { task }), steps, ...(this.warnings.length > 0 ? { warnings: [...this.warnings] } : {}) };
  }

  finish(): Step[] {
    return this.drafts.map(({ draft, at }, index) => {
      const parsed = StepSchema.safeParse({ index, ...draft });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || 'step';
        throw new TrajectoryFormatError(this.source, at, `a valid step (${field}: ${issue?.message ?? 'invalid'})`);
      }
      return parsed.data;
    });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Message content as text: a plain string, or the text parts of a content-part array
 * (`[{type: 'text', text}]`, `input_text`, `output_text` …). Images and other media are dropped.
 */
export function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content
    .map((part) => (typeof part === 'string' ? part : isRecord(part) ? stringField(part, 'text') : undefined))
    .filter((text): text is string => text !== undefined);
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/**
 * Structured tool arguments as an object when they are a JSON object (or its serialisation);
 * anything else stays the raw string, which is itself a signal (a malformed call).
 */
export function toolInputFrom(args: unknown): Step['toolInput'] {
  if (isRecord(args)) return args;
  if (typeof args !== 'string') return args === undefined || args === null ? undefined : { value: args };
  if (args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : args;
  } catch {
    return args;
  }
}

/**
 * An ISO-8601 timestamp with an offset, as the API requires. Recorders often omit the offset
 * (OpenHands writes local `2024-08-21T10:15:30.123456`); those are read as UTC. Unparseable or
 * numeric epoch values become ISO strings or are dropped.
 */
export function normalizeTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const millis = value < 1e12 ? value * 1000 : value;
    const date = new Date(millis);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string') return undefined;
  const withOffset = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const date = new Date(withOffset);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
