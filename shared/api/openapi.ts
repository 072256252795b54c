import { z } from 'zod';
import { CreateSessionSchema, MAX_BODY_BYTES, MAX_STEP_BYTES, MAX_STEPS_PER_REQUEST, StepSchema } from '../steps.ts';
import {
  CreatedSessionSchema, ErrorBodySchema, InterventionListSchema, InterventionSchema, SessionSummarySchema, StepsAcceptedSchema,
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
  404: 'Unknown session, or a session of another API key (answered alike), or no such endpoint',
  405: 'Method not allowed on this path',
  409: 'A step index already received with different content; nothing from the request was stored',
  413: `Over a limit: ${MAX_STEPS_PER_REQUEST} steps per request, ${MAX_STEP_BYTES} bytes per step, ${MAX_BODY_BYTES} bytes per body; the message states which`,
  415: 'Content-Type other than application/json',
  500: 'Server fault (never caused by what a client sends); retrying the request is safe',
} as const;

function errors(...statuses: Array<keyof typeof ERRORS>) {
  return Object.fromEntries(statuses.map((status) => [String(status), { description: ERRORS[status], content: json('Error') }]));
}

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
          requestBody: { required: true, content: json('CreateSessionRequest') },
          responses: {
            201: { description: 'Created; `webhookSecret` is shown only here', content: json('CreatedSession') },
            ...errors(400, 401, 405, 413, 415, 500),
          },
        },
      },
      '/v1/sessions/{sessionId}/steps': {
        parameters: [sessionIdParameter],
        post: {
          operationId: 'postSteps',
          summary: 'Post one step, or a batch of steps',
          description: 'Steps may arrive out of order and be sent again (same content: no effect). A batch is stored all or nothing.',
          requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [ref('Step'), ref('StepsBatch')] } } } },
          responses: {
            202: { description: 'Accepted and stored; detection runs asynchronously', content: json('StepsAccepted') },
            ...errors(400, 401, 404, 405, 409, 413, 415, 500),
          },
        },
      },
      '/v1/sessions/{sessionId}/interventions': {
        parameters: [sessionIdParameter],
        get: {
          operationId: 'listInterventions',
          summary: "The session's interventions, oldest first",
          responses: { 200: { description: 'OK', content: json('InterventionList') }, ...errors(401, 404, 405, 500) },
        },
      },
      '/v1/sessions/{sessionId}': {
        parameters: [sessionIdParameter],
        get: {
          operationId: 'getSession',
          summary: 'What was asked, seen and said: steps, verdicts, episodes, interventions with delivery, resolution',
          responses: { 200: { description: 'OK', content: json('SessionSummary') }, ...errors(401, 404, 405, 500) },
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
            + 'other 4xx answers and redirects are final. Delivery is at least once: deduplicate on the delivery id.',
          parameters: [
            { name: 'Wink-Delivery-Id', in: 'header', required: true, description: 'The interventionId; the same on every retry', schema: { type: 'string' } },
            { name: 'Wink-Signature', in: 'header', required: true, description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the webhookSecret>', schema: { type: 'string' } },
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
