/**
 * `npm run bench:load [-- --sessions 200 --steps 50 --concurrency 50 --batch 5 --workers 4 --deadline-ms 300000]`:
 * the whole local pipeline under load (bench/load.ts), in this fresh process, printing one JSON object.
 */
import { parseArgs } from 'node:util';
import { runLoadHarness } from './load.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// One API key plays every agent here: the per-key request limit (6,000 a minute) would measure
// itself, not the pipeline. Set the variable to test the limiter under load.
process.env.WINK_RATE_LIMIT_REQUESTS_PER_MINUTE ??= '0';
const { values } = parseArgs({
  options: {
    sessions: { type: 'string' },
    steps: { type: 'string' },
    concurrency: { type: 'string' },
    batch: { type: 'string' },
    workers: { type: 'string' },
    'misbehaving-every': { type: 'string' },
    'deadline-ms': { type: 'string' },
  },
});
const flag = (name: keyof typeof values) => {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
};
const options = {
  sessions: flag('sessions'),
  steps: flag('steps'),
  concurrency: flag('concurrency'),
  batch: flag('batch'),
  detectorWorkers: flag('workers'),
  misbehavingEvery: flag('misbehaving-every'),
  deadlineMs: flag('deadline-ms'),
};
const result = await runLoadHarness(Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)));
console.log(JSON.stringify(result, null, 2));
process.exit(0);
