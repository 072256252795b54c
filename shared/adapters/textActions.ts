/**
 * Tool calls that agents write in their reply text instead of the API's structured tool calls, and
 * the replies their harnesses send when they cannot parse one. Shared by the adapters of text-action
 * agents (mini-SWE-agent 1.x, OpenHands' and SWE-agent's non-function-calling prompts, R2E-style
 * `<function=…>` agents). Pure: text in, calls out.
 */

/** One call found in reply text: the tool it names and its arguments. */
export interface TextAction {
  toolName: string;
  toolInput: Record<string, unknown>;
}

/** `<function=name> <parameter=key>value</parameter> … </function>` (OpenHands' and R2E-Gym's text format). */
const XML_FUNCTION = /<function=([\w.-]+)>([\s\S]*?)(?:<\/function>|$)/g;
const XML_PARAMETER = /<parameter=([\w.-]+)>([\s\S]*?)<\/parameter>/g;

/**
 * A fenced shell block: ```bash, ```sh, ```shell, ```console, or mini-SWE-agent's own
 * ```mswea_bash_command (its later 1.x prompts); an untagged fence is prose or code, not an action.
 */
const FENCED_SHELL = /```(?:bash|sh|shell|console|mswea_bash_command)[^\S\n]*\n([\s\S]*?)\n?```/g;

/** The tool calls written as `<function=…>` blocks in a reply, in order. */
export function xmlFunctionCalls(text: string): TextAction[] {
  return [...text.matchAll(XML_FUNCTION)].map(([, name, body]) => {
    const toolInput: Record<string, unknown> = {};
    for (const [, key, value] of (body ?? '').matchAll(XML_PARAMETER)) toolInput[key!] = trimOneNewline(value ?? '');
    return { toolName: name!, toolInput };
  });
}

/** The commands of the fenced shell blocks in a reply, in order. */
export function fencedShellCommands(text: string): string[] {
  return [...text.matchAll(FENCED_SHELL)].map(([, body]) => (body ?? '').trim());
}

/**
 * The calls a reply makes in text: its `<function=…>` blocks if it has any, else its fenced shell
 * blocks as calls of `shellTool`.
 */
export function textActions(text: string, shellTool = 'bash'): TextAction[] {
  const xml = xmlFunctionCalls(text);
  if (xml.length > 0) return xml;
  return fencedShellCommands(text).map((command) => ({ toolName: shellTool, toolInput: { command } }));
}

/**
 * What tool harnesses answer when a reply had no call they could run (mini-SWE-agent's
 * format-error template, its tool-calling model's "No tool calls found", SWE-agent's and
 * OpenHands' "not formatted correctly" / "did not include a function call" notices).
 */
const HARNESS_REJECTIONS: readonly RegExp[] = [
  /^\s*Please always provide EXACTLY ONE action/i,
  /^\s*No tool calls found in the response/i,
  /\bYour (?:last )?output (?:was|is) not formatted correctly\b/i,
  /\b(?:response|reply|message) did not include a (?:function|tool) call\b/i,
  /^\s*Tool call error:/i,
];

/** Whether a harness message rejects the previous reply as unparseable. */
export function isHarnessRejection(text: string | undefined): boolean {
  if (!text || text.length > 4000) return false;
  return HARNESS_REJECTIONS.some((pattern) => pattern.test(text));
}

/** mini-SWE-agent's timeout template ("The last command <command>…</command> timed out and has been killed."). */
export function isHarnessTimeout(text: string | undefined): boolean {
  return text !== undefined && /^\s*The last command <command>[\s\S]*?<\/command> timed out/i.test(text);
}

/** Observations of text-action harnesses: `<returncode>N</returncode>` (mini-SWE-agent), "EXECUTION RESULT of [tool]" (OpenHands), "OBSERVATION:". */
const OBSERVATION_MARKERS = /<returncode>\s*-?\d+\s*<\/returncode>|^\s*EXECUTION RESULT of \[|^\s*OBSERVATION:/m;

export function looksLikeObservation(text: string | undefined): boolean {
  return text !== undefined && OBSERVATION_MARKERS.test(text.slice(0, 2000));
}

/** The exit code a text observation states (`<returncode>1</returncode>`), if any. */
export function statedReturnCode(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /<returncode>\s*(-?\d+)\s*<\/returncode>/.exec(text.slice(0, 2000));
  return match ? Number(match[1]) : undefined;
}

function trimOneNewline(value: string): string {
  return value.replace(/^\n/, '').replace(/\n$/, '');
}
