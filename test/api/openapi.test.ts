import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { WINK_ROUTES } from '../../infra/constructs/ingestApi.ts';
import { ApiError } from '../../shared/api/apiError.ts';
import { buildOpenApiDocument } from '../../shared/api/openapi.ts';
import { handleApiRequest, type ApiDeps } from '../../shared/api/routes.ts';

const committed = () => JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));

describe('OpenAPI document', () => {
  it('docs/openapi.json is what the live zod schemas generate', () => {
    expect(committed(), 'docs/openapi.json is out of date with the zod schemas: run `npm run openapi` and commit it').toEqual(buildOpenApiDocument());
  });

  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    const result = await validate(buildOpenApiDocument() as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);

    // …and the validator does reject a broken one (a dangling $ref).
    const broken = buildOpenApiDocument();
    delete (broken.components.schemas as Record<string, unknown>).Intervention;
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('describes every route API Gateway sends to the ingest function, and no other', () => {
    const document = buildOpenApiDocument();
    const described = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`));
    expect(described.sort()).toEqual(WINK_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('documents errors, limits and the webhook', () => {
    const document = buildOpenApiDocument();
    const steps = document.paths['/v1/sessions/{sessionId}/steps'].post;
    expect(Object.keys(steps.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '404', '409', '413', '415']));
    expect((steps.responses as Record<string, { description: string }>)['413']!.description).toMatch(/100 steps.*262144 bytes per step.*5242880 bytes per body/);
    expect(document.components.schemas.StepsBatch).toMatchObject({ properties: { steps: { maxItems: 100, minItems: 1 } } });
    expect(document.webhooks.intervention.post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Intervention' });
    expect(document.components.schemas.Step).toMatchObject({ additionalProperties: false, required: ['index', 'type'] });
  });

  it('is served without an API key at GET /v1/openapi.json', async () => {
    const deps = { authenticator: { authenticate: async () => { throw new ApiError(401, 'unauthorized', 'no key'); } } } as unknown as ApiDeps;
    const response = await handleApiRequest(deps, { method: 'GET', path: '/v1/openapi.json', headers: {} });
    expect(response).toEqual({ statusCode: 200, body: buildOpenApiDocument() });
    await expect(handleApiRequest(deps, { method: 'GET', path: '/v1/sessions/x', headers: {} })).rejects.toMatchObject({ statusCode: 401 });
  });
});
