/** Shared by the framework adapters: turning framework values into fields of a Wink step. */

/** Tool output kept per step: far below Wink's 256 KiB step limit, plenty for detection. */
export const MAX_CONTENT_CHARS = 32 * 1024;

/** A string for a step's `content`: strings as they are, anything else as JSON, long text cut in the middle. */
export function toStepContent(value: unknown): string {
  const text = typeof value === 'string' ? value : safeStringify(value);
  if (text.length <= MAX_CONTENT_CHARS) return text;
  const half = MAX_CONTENT_CHARS / 2;
  return `${text.slice(0, half)}\n…[${text.length - MAX_CONTENT_CHARS} characters cut by wink/sdk]…\n${text.slice(-half)}`;
}

/** Wink takes a tool input as an object or a string. */
export function toToolInput(input: unknown): Record<string, unknown> | string {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input as Record<string, unknown>;
  return typeof input === 'string' ? input : safeStringify(input);
}

/** How guidance appears in the agent's context. */
export function guidanceReminder(guidance: string): string {
  return `<system-reminder>\nGuidance from Wink, which watches this run for misbehavior:\n${guidance}\n</system-reminder>`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
