import { MAX_BODY_BYTES, MAX_STEP_BYTES, MAX_STEPS_PER_REQUEST, type SessionPolicy, type Step } from '../shared/steps.ts';
import type { Trajectory } from '../shared/adapters/types.ts';
import { CliError } from './io.ts';

/** An intervention as the API returns it (GET /v1/sessions/{id}/interventions). */
export interface ApiIntervention {
  interventionId: string;
  sessionId: string;
  episodeId: string;
  category: string;
  subtype: string;
  guidance: string;
  evidence: { stepIndexes: number[] };
  createdAt: string;
}

export interface OnlineOptions {
  url: string;
  apiKey: string;
  policy?: SessionPolicy;
  /** Give up waiting for interventions after this long. */
  timeoutMs: number;
  /** Stop once the intervention list has not changed for this long. */
  quietMs: number;
  pollIntervalMs: number;
  fetch?: typeof fetch;
  agentId?: string;
}

export interface OnlineResult {
  source: string;
  format: Trajectory['format'];
  sessionId: string;
  stepCount: number;
  accepted: number;
  /** Steps whose content was cut to fit the API's per-step limit. */
  truncatedSteps: number[];
  interventions: ApiIntervention[];
  /** True when the time bound ran out while interventions were still arriving. */
  timedOut: boolean;
}

const ELLIPSIS = '\n…[cut by wink replay to fit the API step limit]…\n';

/**
 * Replays a trajectory against a running Wink: creates a session, posts the steps in batches the
 * API accepts (≤100 steps, under the body limit), then polls the interventions until the list has
 * been quiet for `quietMs`, never longer than `timeoutMs`.
 */
export async function replayOnline(trajectory: Trajectory, sessionName: string, options: OnlineOptions): Promise<OnlineResult> {
  const client = apiClient(options);
  const created = await client('POST', '/v1/sessions', {
    agentId: options.agentId ?? 'wink-replay',
    task: trajectory.task?.trim() ? trajectory.task : `Replay of ${sessionName}`,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const sessionId = stringOf(created, 'sessionId', 'POST /v1/sessions');

  const { steps, truncated } = fitSteps(trajectory.steps);
  let accepted = 0;
  for (const batch of batches(steps)) {
    const response = await client('POST', `/v1/sessions/${encodeURIComponent(sessionId)}/steps`, { steps: batch });
    accepted += typeof (response as { accepted?: unknown }).accepted === 'number' ? (response as { accepted: number }).accepted : 0;
  }

  const { interventions, timedOut } = await waitForInterventions(client, sessionId, options);
  return { source: trajectory.source, format: trajectory.format, sessionId, stepCount: steps.length, accepted, truncatedSteps: truncated, interventions, timedOut };
}

type Client = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

function apiClient(options: OnlineOptions): Client {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  return async (method, path, body) => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`cannot reach Wink at ${base} (${reason}); is it running (npm start)?`, 1, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const detail = error ? `${error.code ?? 'error'}: ${error.message ?? ''}` : text.slice(0, 200);
      throw new CliError(`${method} ${path} → ${response.status} ${detail}`.trim());
    }
    if (json === undefined) throw new CliError(`${method} ${path} → ${response.status} but the body is not JSON`);
    return json;
  };
}

async function waitForInterventions(client: Client, sessionId: string, options: OnlineOptions): Promise<{ interventions: ApiIntervention[]; timedOut: boolean }> {
  const started = Date.now();
  let lastChange = started;
  let interventions: ApiIntervention[] = [];
  for (;;) {
    const body = await client('GET', `/v1/sessions/${encodeURIComponent(sessionId)}/interventions`);
    const list = (body as { interventions?: unknown }).interventions;
    const current = Array.isArray(list) ? (list as ApiIntervention[]) : [];
    if (current.length !== interventions.length) lastChange = Date.now();
    interventions = current;
    const now = Date.now();
    if (now - lastChange >= options.quietMs) return { interventions, timedOut: false };
    if (now - started >= options.timeoutMs) return { interventions, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
  }
}

/** Steps over the API's per-step byte limit get the middle of their content cut. */
export function fitSteps(steps: readonly Step[]): { steps: Step[]; truncated: number[] } {
  const truncated: number[] = [];
  const fitted = steps.map((step) => {
    if (stepBytes(step) <= MAX_STEP_BYTES || !step.content) return step;
    truncated.push(step.index);
    const content = step.content;
    // JSON escaping and multi-byte characters make bytes and characters differ: shrink until it fits.
    let keep = Math.floor((content.length * MAX_STEP_BYTES) / (2 * stepBytes(step)));
    let cut: Step;
    do {
      cut = { ...step, content: `${content.slice(0, keep)}${ELLIPSIS}${content.slice(content.length - keep)}` };
      keep = Math.floor(keep * 0.8);
    } while (stepBytes(cut) > MAX_STEP_BYTES && keep > 0);
    return cut;
  });
  return { steps: fitted, truncated };
}

function stepBytes(step: Step): number {
  return Buffer.byteLength(JSON.stringify(step));
}

/** Batches of at most MAX_STEPS_PER_REQUEST steps whose request body stays under the body limit. */
export function batches(steps: readonly Step[]): Step[][] {
  const budget = MAX_BODY_BYTES - 1024;
  const result: Step[][] = [];
  let current: Step[] = [];
  let bytes = 0;
  for (const step of steps) {
    const size = Buffer.byteLength(JSON.stringify(step)) + 1;
    if (current.length > 0 && (current.length >= MAX_STEPS_PER_REQUEST || bytes + size > budget)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(step);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function stringOf(body: unknown, key: string, what: string): string {
  const value = (body as Record<string, unknown> | null)?.[key];
  if (typeof value !== 'string') throw new CliError(`${what} answered without a ${key}`);
  return value;
}
