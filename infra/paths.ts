import { fileURLToPath } from 'node:url';

/** The repository root (with a trailing slash): handlers live in `functions/`, the lock file at the top. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The entry module of the Lambda handler `functions/<name>/handler.ts`. */
export const handlerEntry = (name: 'ingest' | 'detector' | 'notifier') => `${PROJECT_ROOT}functions/${name}/handler.ts`;
