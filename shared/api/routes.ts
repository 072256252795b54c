import type { SessionRecord } from '../records.ts';
import { MAX_BODY_BYTES } from '../steps.ts';
import { createSession, type CreateSessionDeps } from '../pipeline/createSession.ts';
import { endSession, type EndSessionDeps } from '../pipeline/endSession.ts';
import { buildExperimentReport, type ExperimentReportDeps } from '../pipeline/experimentReport.ts';
import type { Enrolment } from '../store/experimentStore.ts';
import { answerClaudeCodeHook, type ClaudeCodeHookDeps } from '../pipeline/claudeCodeHook.ts';
import { MAX_POLL_WAIT_SECONDS, MAX_REPLY_WAIT_MS, boundedIntParam, handOutPending, pollInterventions, waitForDetection, type HandOutDeps } from '../pipeline/handOut.ts';
import { ingestSteps, type IngestDeps } from '../pipeline/ingestSteps.ts';
import { rotateWebhookSecret, type RotateSecretDeps } from '../pipeline/rotateWebhookSecret.ts';
import { sessionSummary, type SummaryDeps } from '../pipeline/sessionSummary.ts';
import type { SecretScrubber } from '../secrets/scrubber.ts';
import { ApiError } from './apiError.ts';
import type { ApiKeyAuthenticator } from './authenticate.ts';
import { RateLimitExceededError, type RateLimiter } from '../limits/rateLimits.ts';
import { deleteSession, type DeleteSessionDeps } from '../pipeline/deleteSession.ts';

export interface ApiRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** Query string parameters (`?wait=…&after=…`). */
  query?: Record<string, string | undefined>;
  body?: string;
}

export interface ApiResponse {
  statusCode: number;
  body: unknown;
}

export interface ApiDeps {
  /** `authenticateCaller` when available (the key hash for per-key limits), else `authenticate` (owner id only). */
  authenticator: Pick<ApiKeyAuthenticator, 'authenticate'> & Partial<Pick<ApiKeyAuthenticator, 'authenticateCaller'>>;
  /** Per-key request and per-tenant session-creation limits (429 + Retry-After); none when absent. */
  rateLimiter?: Pick<RateLimiter, 'takeRequest' | 'takeSessionCreation'>;
  /** Removes a session and everything it stored (DELETE /v1/sessions/{id}). */
  sessionEraser?: DeleteSessionDeps['eraser'];
  store: CreateSessionDeps['store'] & IngestDeps['store'] & SummaryDeps['store'] & HandOutDeps['store'] & RotateSecretDeps['store'] & ExperimentReportDeps['store'] & {
    getSession(sessionId: string): Promise<SessionRecord | undefined>;
  };
  /** Claude Code session links (the hook route). */
  claudeCodeLinks: ClaudeCodeHookDeps['links'];
  stepsQueue: IngestDeps['stepsQueue'];
  /** Experiment membership and session ends (shared/store/experimentStore.ts). */
  experiments: EndSessionDeps['experiments'] & ExperimentReportDeps['experiments'] & { enrol(session: Enrolment, nowMs: number): Promise<void> };
  /** Never-ended sessions count as `unknown` in reports after this long idle. @default 24 h */
  sessionIdleMs?: number;
  now: () => number;
  allowPrivateWebhooks?: boolean;
  resolveWebhookHost?: CreateSessionDeps['resolveWebhookHost'];
  defaultMode?: CreateSessionDeps['defaultMode'];
  defaultExperiment?: CreateSessionDeps['defaultExperiment'];
  /** Called with what was accepted, for metrics. */
  onStepsAccepted?: (count: number) => void;
  /** With the experiment arm, when the session is in one. */
  onSessionCreated?: (arm?: string) => void;
  /** A hook request failed inside Wink and was answered `{}`: for logs. */
  onHookError?: (error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Scrubs secrets from steps, tasks and constraints before they are stored. @default the built-in rules */
  scrubber?: SecretScrubber;
}

const SESSION_ID = '([A-Za-z0-9_-]{1,128})';
const ROUTES: Array<{ pattern: RegExp; methods: Record<string, (deps: ApiDeps, req: ApiRequest, ownerKeyHash: string, id?: string) => Promise<ApiResponse>> }> = [
  { pattern: /^\/v1\/sessions\/?$/, methods: { POST: postSession } },
  { pattern: new RegExp(`^/v1/sessions/${SESSION_ID}/steps/?$`), methods: { POST: postSteps } },
  { pattern: new RegExp(`^/v1/sessions/${SESSION_ID}/interventions/?$`), methods: { GET: getInterventions } },
  { pattern: new RegExp(`^/v1/sessions/${SESSION_ID}/webhook-secret/?$`), methods: { POST: postWebhookSecret } },
  { pattern: new RegExp(`^/v1/sessions/${SESSION_ID}/end/?$`), methods: { POST: postEnd } },
  { pattern: new RegExp(`^/v1/sessions/${SESSION_ID}/?$`), methods: { GET: getSession, DELETE: deleteSessionRoute } },
  { pattern: /^\/v1\/experiments\/([^/]{1,200})\/?$/, methods: { GET: getExperiment } },
  { pattern: /^\/v1\/integrations\/claude-code\/hooks\/?$/, methods: { POST: postClaudeCodeHook } },
];

/**
 * The HTTP contract (README "API"), independent of API Gateway: authentication first, then the
 * route, then the body. Every client mistake is an ApiError with a 4xx status.
 */
export async function handleApiRequest(deps: ApiDeps, request: ApiRequest): Promise<ApiResponse> {
  // The API description is public, like any OpenAPI document: no key needed to generate a client.
  if (request.path === '/v1/openapi.json' && request.method.toUpperCase() === 'GET') return { statusCode: 200, body: (await import('./openapi.ts')).openApiDocument() };
  const caller = deps.authenticator.authenticateCaller
    ? await deps.authenticator.authenticateCaller(request.headers.authorization)
    : { ownerId: await deps.authenticator.authenticate(request.headers.authorization), keyHash: undefined };
  // The owner id is the caller's tenant: every key of a tenant sees the tenant's sessions.
  const ownerKeyHash = caller.ownerId;
  await limited(() => deps.rateLimiter?.takeRequest(caller.keyHash ?? ownerKeyHash));
  for (const route of ROUTES) {
    const match = route.pattern.exec(request.path);
    if (!match) continue;
    const handler = route.methods[request.method.toUpperCase()];
    if (!handler) {
      throw new ApiError(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}; use ${Object.keys(route.methods).join(', ')}`);
    }
    return handler(deps, request, ownerKeyHash, match[1]);
  }
  throw new ApiError(404, 'not_found', `No such endpoint: ${request.method} ${request.path}`);
}

/** A rate limit reached is a 429 with Retry-After (seconds) and the usual JSON error body. */
async function limited(take: () => Promise<void> | undefined): Promise<void> {
  try {
    await take();
  } catch (error) {
    if (!(error instanceof RateLimitExceededError)) throw error;
    throw new ApiError(429, 'rate_limited', error.message, undefined, { 'retry-after': String(error.retryAfterSeconds) });
  }
}

async function postSession(deps: ApiDeps, request: ApiRequest, ownerKeyHash: string): Promise<ApiResponse> {
  await limited(() => deps.rateLimiter?.takeSessionCreation(ownerKeyHash));
  const created = await createSession(deps, ownerKeyHash, readJsonBody(request), request.headers['idempotency-key']);
  if (created.experiment) {
    const nowMs = deps.now();
    await deps.experiments.enrol({ sessionId: created.sessionId, ownerKeyHash, createdAt: new Date(nowMs).toISOString(), experiment: created.experiment }, nowMs);
  }
  deps.onSessionCreated?.(created.experiment?.arm);
  return { statusCode: 201, body: created };
}

async function postSteps(deps: ApiDeps, request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  const body = readJsonBody(request);
  const session = await ownedSession(deps, sessionId!, ownerKeyHash);
  const waitMs = boundedIntParam(request.query?.wait, 'wait', MAX_REPLY_WAIT_MS, 'milliseconds');
  const { accepted, lastIndex } = await ingestSteps(deps, session, body);
  deps.onStepsAccepted?.(accepted);
  if (waitMs) await waitForDetection(deps, session.sessionId, lastIndex, waitMs);
  return { statusCode: 202, body: { accepted, interventions: await handOutPending(deps, session.sessionId) } };
}

async function postEnd(deps: ApiDeps, request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  const body = readJsonBody(request);
  const session = await ownedSession(deps, sessionId!, ownerKeyHash);
  return { statusCode: 200, body: await endSession(deps, session, body) };
}

async function getExperiment(deps: ApiDeps, _request: ApiRequest, ownerKeyHash: string, name?: string): Promise<ApiResponse> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(name!);
  } catch {
    throw new ApiError(400, 'invalid_experiment', 'experiment name: not valid percent-encoding');
  }
  const report = await buildExperimentReport({ ...deps, sessionIdleMs: deps.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS }, ownerKeyHash, decoded);
  return { statusCode: 200, body: report };
}

const DEFAULT_SESSION_IDLE_MS = 24 * 3_600_000;

async function getInterventions(deps: ApiDeps, request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  const waitSeconds = boundedIntParam(request.query?.wait, 'wait', MAX_POLL_WAIT_SECONDS, 'seconds');
  const includeSuppressed = includeSuppressedParam(request.query?.include);
  const session = await ownedSession(deps, sessionId!, ownerKeyHash);
  const interventions = await pollInterventions(deps, session.sessionId, { after: request.query?.after, waitSeconds, includeSuppressed });
  return { statusCode: 200, body: { interventions } };
}

/** `?include=suppressed` lists a shadow session's interventions too (for inspection, not for the agent). */
function includeSuppressedParam(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value !== 'suppressed') {
    throw new ApiError(400, 'invalid_query', `include: the only accepted value is "suppressed"; got ${JSON.stringify(value)}`,
      [{ path: 'include', message: 'must be "suppressed"' }]);
  }
  return true;
}

/** Claude Code's hook JSON as it sends it; the answer is the JSON Claude Code reads back (200 always, `{}` on trouble). */
async function postClaudeCodeHook(deps: ApiDeps, request: ApiRequest, ownerKeyHash: string): Promise<ApiResponse> {
  const waitMs = boundedIntParam(request.query?.wait, 'wait', MAX_REPLY_WAIT_MS, 'milliseconds');
  const body = readJsonBody(request);
  const answer = await answerClaudeCodeHook({ ...deps, links: deps.claudeCodeLinks }, ownerKeyHash, body, {
    waitMs,
    ...(deps.onHookError ? { onInternalError: deps.onHookError } : {}),
  });
  return { statusCode: 200, body: answer };
}

async function postWebhookSecret(deps: ApiDeps, _request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  const session = await ownedSession(deps, sessionId!, ownerKeyHash);
  return { statusCode: 200, body: await rotateWebhookSecret(deps, session) };
}

async function getSession(deps: ApiDeps, _request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  const session = await ownedSession(deps, sessionId!, ownerKeyHash);
  return { statusCode: 200, body: await sessionSummary(deps, session) };
}

async function deleteSessionRoute(deps: ApiDeps, _request: ApiRequest, ownerKeyHash: string, sessionId?: string): Promise<ApiResponse> {
  if (!deps.sessionEraser) throw new Error('No session eraser configured');
  await deleteSession({ ...deps, eraser: deps.sessionEraser }, ownerKeyHash, sessionId!);
  return { statusCode: 204, body: undefined };
}

/** Another key's session answers exactly like a missing one: its existence is not disclosed. */
async function ownedSession(deps: ApiDeps, sessionId: string, ownerKeyHash: string): Promise<SessionRecord> {
  const session = await deps.store.getSession(sessionId);
  if (!session || session.ownerKeyHash !== ownerKeyHash) {
    throw new ApiError(404, 'session_not_found', `No session with id ${sessionId}; create one with POST /v1/sessions`);
  }
  return session;
}

/**
 * Only `application/json`, in UTF-8 (the charset parameter may say so, nothing else): the body is
 * decoded as UTF-8, so a client that sends UTF-16 or its own +json type must hear 415, not have
 * its bytes misread. A missing Content-Type is refused too, as the README says.
 */
function unsupportedContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.trim() === '') return 'Content-Type is missing; send application/json';
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  const charset = parameters.map((p) => p.split('=')).find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1];
  const charsetName = charset?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  if (mediaType.toLowerCase() !== 'application/json' || (charsetName !== undefined && charsetName !== 'utf-8' && charsetName !== 'utf8')) {
    return `Content-Type ${truncateForMessage(contentType)} is not supported; send application/json (UTF-8)`;
  }
  return undefined;
}

const truncateForMessage = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text);

function readJsonBody(request: ApiRequest): unknown {
  const unsupported = unsupportedContentType(request.headers['content-type']);
  if (unsupported) throw new ApiError(415, 'unsupported_media_type', unsupported);
  const body = request.body ?? '';
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_BODY_BYTES) {
    throw new ApiError(413, 'body_too_large', `Request body is larger than the limit of ${MAX_BODY_BYTES} bytes (5 MiB); send fewer steps per request`);
  }
  if (body.trim() === '') throw new ApiError(400, 'invalid_json', 'Request body is empty; send a JSON object');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ApiError(400, 'invalid_json', `Request body is not valid JSON: ${(error as Error).message}`);
  }
}
