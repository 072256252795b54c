import * as z from 'zod';
import { EndSessionSchema } from '../experiments/session.ts';
import { CreateSessionSchema, MAX_BODY_BYTES, MAX_STEP_BYTES, MAX_STEPS_PER_REQUEST, StepSchema } from '../steps.ts';
import {
  ClaudeCodeHookAnswerSchema, CreatedSessionSchema, ErrorBodySchema, InterventionListSchema, InterventionSchema, RotatedSecretSchema, SessionSummarySchema, StepsAcceptedSchema,
} from './schemas.ts';

/**
 * The OpenAPI 3.1 document of the whole HTTP API, generated from the zod schemas the server
 * validates with (zod 4's JSON Schema output, draft 2020-12, which OpenAPI 3.1 uses as is).
 * Served at GET /v1/openapi.json and committed as docs/openapi.json (`npm run openapi`).
 */

export const StepsBatchSchema = z
  .strictObject({ steps: z.array(StepSchema).min(1).max(MAX_STEPS_PER_REQUEST) })
  .meta({ description: `Up to ${MAX_STEPS_PER_REQUEST} steps (more is 413 too_many_steps)` });

const STEP_DESCRIPTION = `One trajectory step, at most ${MAX_STEP_BYTES} bytes of JSON (more is 413 step_too_large). Unknown fields are rejected. `
  + 'The same index sent again with equal content is accepted with no effect; with different content it is 409 step_conflict.';

const COMPONENTS = {
  Step: StepSchema,
  StepsBatch: StepsBatchSchema,
  CreateSessionRequest: CreateSessionSchema,
  CreatedSession: CreatedSessionSchema,
  StepsAccepted: StepsAcceptedSchema,
  Intervention: InterventionSchema,
  InterventionList: InterventionListSchema,
  SessionSummary: SessionSummarySchema,
  RotatedSecret: RotatedSecretSchema,
  ClaudeCodeHookAnswer: ClaudeCodeHookAnswerSchema,
  EndSessionRequest: EndSessionSchema,
  Error: ErrorBodySchema,
} satisfies Record<string, z.ZodType>;

const DESCRIPTIONS: Partial<Record<keyof typeof COMPONENTS, string>> = { Step: STEP_DESCRIPTION };

type ComponentName = keyof typeof COMPONENTS;

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string; description?: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) {
    const description = DESCRIPTIONS[id as ComponentName];
    registry.add(schema, { id, ...(description ? { description } : {}) });
  }
  // "input": what a client sends, and what a client may rely on in answers (answers stay open to new fields).
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => {
    const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
    return [id, rest];
  }));
}

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ 'application/json': { schema: ref(name) } });

const ERRORS = {
  400: 'Invalid JSON or an invalid field; `details` name each field and why',
  401: 'Missing or wrong API key (checked before anything else)',
  404: 'Unknown or deleted session, or a session of another tenant (answered alike), or no such endpoint',
  405: 'Method not allowed on this path',
  409: 'A step index already received with different content; nothing from the request was stored',
  413: `Over a limit: ${MAX_STEPS_PER_REQUEST} steps per request, ${MAX_STEP_BYTES} bytes per step, ${MAX_BODY_BYTES} bytes per body; the message states which`,
  415: 'Content-Type other than application/json',
  422: 'An Idempotency-Key reused with a different body',
  429: 'Rate limit reached: requests per API key, or new sessions per tenant, per minute; retry after `Retry-After` seconds',
  500: 'Server fault (never caused by what a client sends); retrying the request is safe',
} as const;

function errors(...statuses: Array<keyof typeof ERRORS>) {
  // Every authenticated route counts against the key's request limit.
  const withRateLimit: Array<keyof typeof ERRORS> = statuses.includes(401) && !statuses.includes(429) ? [...statuses, 429] : statuses;
  return Object.fromEntries(withRateLimit.map((status) => [String(status), {
    description: ERRORS[status],
    ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds until the current one-minute window ends', schema: { type: 'integer', minimum: 1 } } } } : {}),
    content: json('Error'),
  }]));
}

const waitMsParameter = {
  name: 'wait', in: 'query', required: false,
  description: 'Milliseconds (at most 3000) to wait for detection to observe the posted steps before answering',
  schema: { type: 'integer', minimum: 0, maximum: 3000 },
};

const sessionIdParameter = {
  name: 'sessionId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
};

export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wink API',
      version: '1',
      description: 'Wink watches coding agents step by step and sends one piece of guidance per misbehavior episode. '
        + 'Every route except this document needs `Authorization: Bearer <api key>`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: 'http://127.0.0.1:8787', description: 'npm start' }],
    security: [{ bearerAuth: [] }],
    'x-wink-limits': { maxStepsPerRequest: MAX_STEPS_PER_REQUEST, maxStepBytes: MAX_STEP_BYTES, maxBodyBytes: MAX_BODY_BYTES },
    paths: {
      '/v1/sessions': {
        post: {
          operationId: 'createSession',
          summary: 'Create a session: the task, what the user forbade, and optionally a webhook',
          parameters: [{
            name: 'Idempotency-Key', in: 'header', required: false,
            description: 'A random UUID (16–255 visible ASCII characters): a retry with the same key and body answers the same 201 for 24 h',
            schema: { type: 'string', minLength: 16, maxLength: 255 },
          }],
          requestBody: { required: true, content: json('CreateSessionRequest') },
          responses: {
            201: { description: 'Created; `webhookSecret` is shown only here', content: json('CreatedSession') },
            ...errors(400, 401, 405, 409, 413, 415, 422, 500),
          },
        },
      },
      '/v1/sessions/{sessionId}/steps': {
        parameters: [sessionIdParameter],
        post: {
          operationId: 'postSteps',
          parameters: [waitMsParameter],
          summary: 'Post one step, or a batch of steps',
          description: 'Steps may arrive out of order and be sent again (same content: no effect). A batch is stored all or nothing.',
          requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [ref('Step'), ref('StepsBatch')] } } } },
          responses: {
            202: { description: 'Accepted and stored; detection runs asynchronously. `interventions`: those no earlier reply handed out', content: json('StepsAccepted') },
            ...errors(400, 401, 404, 405, 409, 413, 415, 500),
          },
        },
      },
      '/v1/sessions/{sessionId}/interventions': {
        parameters: [sessionIdParameter],
        get: {
          operationId: 'listInterventions',
          summary: "The session's interventions, oldest first",
          parameters: [
            { name: 'after', in: 'query', required: false, description: 'Only those after this interventionId', schema: { type: 'string' } },
            { name: 'wait', in: 'query', required: false, description: 'Seconds (at most 20) to wait for one to come (long poll)', schema: { type: 'integer', minimum: 0, maximum: 20 } },
            { name: 'include', in: 'query', required: false, description: "`suppressed`: also a shadow session's interventions", schema: { type: 'string', enum: ['suppressed'] } },
          ],
          responses: { 200: { description: 'OK', content: json('InterventionList') }, ...errors(400, 401, 404, 405, 500) },
        },
      },
      '/v1/sessions/{sessionId}': {
        parameters: [sessionIdParameter],
        get: {
          operationId: 'getSession',
          summary: 'What was asked, seen and said: steps, verdicts, episodes, interventions with delivery, resolution',
          responses: { 200: { description: 'OK', content: json('SessionSummary') }, ...errors(401, 404, 405, 500) },
        },
        delete: {
          operationId: 'deleteSession',
          summary: 'Delete the session and everything it stored: steps, verdicts, episodes, interventions and their deliveries, links',
          description: 'Later reads, posts and a second DELETE are 404. Detection or delivery still in flight cannot bring it back (README "Retention and deletion").',
          responses: { 204: { description: 'Deleted' }, ...errors(401, 404, 405, 500) },
        },
      },
      '/v1/sessions/{sessionId}/webhook-secret': {
        parameters: [sessionIdParameter],
        post: {
          operationId: 'rotateWebhookSecret',
          summary: "Replace the session's webhook secret; for 24 h deliveries are signed with both",
          responses: { 200: { description: 'The new secret', content: json('RotatedSecret') }, ...errors(401, 404, 405, 409, 500) },
        },
      },
      '/v1/sessions/{sessionId}/end': {
        parameters: [sessionIdParameter],
        post: {
          operationId: 'endSession',
          summary: 'Close a session with its outcome (idempotent); later steps are 409',
          requestBody: { required: true, content: json('EndSessionRequest') },
          responses: {
            200: { description: 'The recorded end (the same end again answers the same)', content: { 'application/json': { schema: { type: 'object' } } } },
            ...errors(400, 401, 404, 405, 409, 415, 500),
          },
        },
      },
      '/v1/experiments/{name}': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'experimentReport',
          summary: 'Treatment vs control per metric, with 95% intervals, p-values and minimum detectable effects (README "Experiments")',
          responses: { 200: { description: 'The report', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(401, 404, 405, 500) },
        },
      },
      '/v1/integrations/claude-code/hooks': {
        post: {
          operationId: 'claudeCodeHook',
          summary: 'A Claude Code hook event, as Claude Code sends it; the answer is what Claude Code reads back',
          parameters: [waitMsParameter],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['session_id', 'hook_event_name'] } } } },
          responses: {
            200: { description: '`{}`, additionalContext, or a Stop block; `{}` on any trouble inside Wink', content: json('ClaudeCodeHookAnswer') },
            ...errors(400, 401, 405, 413, 415),
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    webhooks: {
      intervention: {
        post: {
          operationId: 'receiveIntervention',
          summary: "Wink posts each intervention to the session's webhook",
          description: 'Retried on network errors, timeouts, 408, 429 and 5xx with growing delays (about 34 minutes in all); '
            + 'other 4xx answers, redirects and blocked targets are final. Delivery is at least once: deduplicate on the delivery id.',
          parameters: [
            { name: 'webhook-id', in: 'header', required: true, description: 'The interventionId; the same on every retry (Standard Webhooks)', schema: { type: 'string' } },
            { name: 'webhook-timestamp', in: 'header', required: true, description: 'Unix seconds', schema: { type: 'string' } },
            { name: 'webhook-signature', in: 'header', required: true, description: 'Space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the base64 part of whsec_<base64>; two during a secret rotation', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: json('Intervention') },
          responses: { 200: { description: 'Any 2xx acknowledges the delivery' } },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Wink API key' } },
      schemas: componentSchemas(),
    },
  };
}

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;

/** Built once per process: the schemas do not change while it runs. */
export function openApiDocument(): ReturnType<typeof buildOpenApiDocument> {
  cached ??= buildOpenApiDocument();
  return cached;
}
