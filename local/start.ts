/**
 * `npm start`: the whole Wink pipeline on loopback, no AWS account needed.
 * `npm run demo` (or `npm start -- --demo`): the same, then replays bundled trajectories against
 * it over HTTP, prints what was detected and delivered, and exits.
 */
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStack } from './stack.ts';
import { runDemo } from './demo.ts';
import { allowPrivateWebhooksFromEnv } from './env.ts';

const { values } = parseArgs({
  options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});

if (values.help) {
  console.log(`Usage: npm start [-- --demo]

Runs Wink locally: HTTP API, DynamoDB Local, an SQS-protocol server, the detector and the notifier.
  --demo     replay the bundled sample trajectories, print the interventions, and exit
Environment: WINK_PORT (default 8787), WINK_API_KEY (default: a random key, printed),
             WINK_LOG_LEVEL (default WARN), WINK_STEP_GAP_WAIT_SECONDS (default 30),
             WINK_ALLOW_PRIVATE_WEBHOOKS (default true; false refuses loopback/private webhook targets as in AWS),
             WINK_RATE_LIMIT_REQUESTS_PER_MINUTE / WINK_RATE_LIMIT_SESSIONS_PER_MINUTE (defaults 6000 / 600; 0 = off),
             WINK_LLM_BASE_URL / WINK_LLM_MODEL / WINK_LLM_API_KEY to enable the LLM judge.`);
  process.exit(0);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const port = values.demo ? 0 : Number(process.env.WINK_PORT ?? 8787);
let allowPrivateWebhooks: boolean;
try {
  allowPrivateWebhooks = allowPrivateWebhooksFromEnv(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`WINK_PORT must be a port number, got "${process.env.WINK_PORT}"`);
  process.exit(2);
}

console.log('Starting DynamoDB Local and the SQS server…');
let stack: LocalStack;
try {
  stack = await startLocalStack({
    port,
    allowPrivateWebhooks,
    ...(process.env.WINK_API_KEY ? { apiKey: process.env.WINK_API_KEY } : {}),
    ...(process.env.WINK_STEP_GAP_WAIT_SECONDS ? { gapWaitSeconds: Number(process.env.WINK_STEP_GAP_WAIT_SECONDS) } : {}),
  });
} catch (error) {
  console.error(`Could not start Wink locally: ${(error as Error).message}`);
  process.exit(1);
}

let stopping = false;
async function shutdown(code = 0): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stack.stop().catch((error: unknown) => console.error(error));
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

if (values.demo) {
  try {
    await runDemo(stack);
    await shutdown(0);
  } catch (error) {
    console.error(`Demo failed: ${(error as Error).message}`);
    await shutdown(1);
  }
} else {
  console.log(`Wink API listening on ${stack.url}`);
  console.log(`API key: ${stack.apiKey}`);
  console.log(`Try:  curl -s -X POST ${stack.url}/v1/sessions -H 'authorization: Bearer ${stack.apiKey}' \\
        -H 'content-type: application/json' -d '{"agentId":"my-agent","task":"Fix the failing test"}'`);
  console.log(`Webhook targets: ${allowPrivateWebhooks ? 'loopback and private addresses allowed (WINK_ALLOW_PRIVATE_WEBHOOKS=false refuses them, as in AWS)' : 'public addresses only, as in AWS'}`);
  console.log(`API keys:  WINK_TABLE_NAME=${stack.resources.tableName} AWS_ENDPOINT_URL_DYNAMODB=${stack.endpoints.dynamoEndpoint} npx wink keys list`);
  console.log('           (or keys create --tenant <t> --name <n>, keys revoke <hash prefix>; the table lives in memory until Ctrl-C)');
  console.log('Press Ctrl-C to stop.');
}
