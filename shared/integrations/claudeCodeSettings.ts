/**
 * The hook configuration `wink init claude-code` merges into Claude Code's settings.json, as pure
 * functions: what Wink's hooks look like for each variant, and a merge that keeps every other
 * setting and hook, replaces Wink's own entries in place, and changes nothing when run twice.
 */

export type HookVariant = 'http' | 'command';

export const HOOK_ROUTE = '/v1/integrations/claude-code/hooks';
export const HOOK_COMMAND = 'npx wink hook claude-code';
/** Claude Code waits this long (seconds) for an answer; Wink answers well within it. */
export const HOOK_TIMEOUT_SECONDS = 5;

/** The events Wink listens to; tool events match every tool. */
export const WINK_HOOK_EVENTS: ReadonlyArray<{ event: string; matcher?: string }> = [
  { event: 'UserPromptSubmit' },
  { event: 'PreToolUse', matcher: '*' },
  { event: 'PostToolUse', matcher: '*' },
  { event: 'PostToolUseFailure', matcher: '*' },
  { event: 'Stop' },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function winkHookEntry(variant: HookVariant, url: string): JsonObject {
  if (variant === 'command') return { type: 'command', command: HOOK_COMMAND, timeout: HOOK_TIMEOUT_SECONDS };
  return {
    type: 'http',
    url: `${url.replace(/\/+$/, '')}${HOOK_ROUTE}`,
    headers: { Authorization: 'Bearer $WINK_API_KEY' },
    allowedEnvVars: ['WINK_API_KEY'],
    timeout: HOOK_TIMEOUT_SECONDS,
  };
}

/** Either variant of Wink's hook, whatever URL it points at. */
export function isWinkHook(hook: unknown): boolean {
  if (!isObject(hook)) return false;
  if (hook.type === 'http') return typeof hook.url === 'string' && hook.url.replace(/\/+$/, '').endsWith(HOOK_ROUTE);
  if (hook.type === 'command') return typeof hook.command === 'string' && /\bwink(?:\.mjs)?\s+hook\s+claude-code\b/.test(hook.command);
  return false;
}

/** Settings that `hooks` cannot be merged into: reported, never overwritten. */
export class SettingsShapeError extends Error {
  override readonly name = 'SettingsShapeError';
}

/**
 * `settings` with Wink's hook on each event: an existing Wink hook is replaced where it stands
 * (switching variant or URL), otherwise a matcher group is appended. Everything else is kept.
 */
export function mergeWinkHooks(settings: unknown, variant: HookVariant, url: string): JsonObject {
  if (!isObject(settings)) throw new SettingsShapeError('settings.json must hold a JSON object');
  const merged = structuredClone(settings) as JsonObject;
  const hooks = merged.hooks ?? {};
  if (!isObject(hooks)) throw new SettingsShapeError('"hooks" in settings.json must be an object of events');
  const entry = winkHookEntry(variant, url);
  for (const { event, matcher } of WINK_HOOK_EVENTS) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups)) throw new SettingsShapeError(`"hooks.${event}" in settings.json must be an array of matcher groups`);
    let placed = false;
    const updated = groups.map((group) => {
      if (!isObject(group) || !Array.isArray(group.hooks)) return group;
      const inner = group.hooks.flatMap((hook) => {
        if (!isWinkHook(hook)) return [hook];
        if (placed) return []; // a duplicate Wink hook: keep one
        placed = true;
        return [entry];
      });
      return { ...group, hooks: inner };
    });
    if (!placed) updated.push({ ...(matcher ? { matcher } : {}), hooks: [entry] });
    hooks[event] = updated;
  }
  merged.hooks = hooks;
  return merged;
}

/** The environment the chosen variant needs, as shell lines. */
export function requiredEnv(variant: HookVariant, url: string): string[] {
  const lines = ['export WINK_API_KEY=<your Wink API key>   # npm start prints one; in AWS: scripts/create-api-key.ts'];
  if (variant === 'command') lines.unshift(`export WINK_URL=${url.replace(/\/+$/, '')}`);
  return lines;
}

/** A line diff (`-` removed, `+` added, two spaces unchanged) by longest common subsequence; settings files are small. */
export function lineDiff(before: string, after: string): string[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after.split('\n');
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i += 1;
      j += 1;
    } else if (j < b.length && (i >= a.length || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      out.push(`+ ${b[j]}`);
      j += 1;
    } else {
      out.push(`- ${a[i]}`);
      i += 1;
    }
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
