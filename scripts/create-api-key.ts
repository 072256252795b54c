/**
 * Kept for existing deploy scripts: an alias of `npx wink keys create` (cli/keys.ts).
 *
 *   npx tsx scripts/create-api-key.ts --table <TableName output> [--name ci-agents] [--tenant acme] [--key <existing key>]
 *
 * The table name may come from WINK_TABLE_NAME instead of --table.
 */
import { pathToFileURL } from 'node:url';
import { main } from '../cli/main.ts';

export { createApiKey } from '../cli/keys.ts';
export { MIN_KEY_LENGTH, generateApiKey } from '../shared/tenancy/apiKeys.ts';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(['keys', 'create', ...process.argv.slice(2)]);
}
