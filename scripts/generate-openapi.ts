/** Writes docs/openapi.json from the live zod schemas: `npm run openapi` (test/api/openapi.test.ts fails when it drifts). */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../shared/api/openapi.ts';

export const OPENAPI_PATH = new URL('../docs/openapi.json', import.meta.url);

writeFileSync(OPENAPI_PATH, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`Wrote ${OPENAPI_PATH.pathname}`);
