import { connect } from 'node:net';
import fc from 'fast-check';
import { WINK_ROUTES } from '../../infra/constructs/ingestApi.ts';
import { MAX_BODY_BYTES } from '../../shared/steps.ts';

/**
 * Arbitraries for fuzzing the whole HTTP API (test/e2e/httpFuzz.test.ts): requests that look like
 * what agents, broken clients and attackers send, generated around the routes the API declares.
 */
export interface FuzzRequest {
  method: string;
  /** The raw path, as sent (not normalised). */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string>;
  body?: string;
  /** API Gateway base64-encodes bodies it takes for binary. */
  base64?: boolean;
}

export interface FuzzContext {
  /** Keys the fuzz may authenticate with (its own tenants). */
  apiKeys: string[];
  /**
   * Sessions of the first key in `apiKeys`, where requests get furthest. Read when a case is drawn,
   * so the test can add the sessions the fuzz creates (ended ones refuse steps; new ones do not).
   */
  ownSessionIds: string[];
  /** Sessions of the other fuzzing key and of a tenant the fuzz has no key of (each must answer 404 to the wrong key). */
  foreignSessionIds: string[];
}

const FILLERS = /\{[A-Za-z]+\}/g;

/** Ids: known sessions, well-formed unknown ones, and everything a route pattern should refuse. */
function sessionIdArb(context: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    // Mostly the newest three: older ones have often been ended by the fuzz, and refuse steps.
    { weight: 16, arbitrary: fc.nat().map((i) => context.ownSessionIds.at(-1 - (i % Math.min(3, context.ownSessionIds.length)))!) },
    { weight: 4, arbitrary: fc.constantFrom(...context.foreignSessionIds) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) },
    fc.constantFrom('', '.', '..', '%2e%2e', '..%2f..%2fapikeys', '%00', 'APIKEY%23x', 'SESSION%23x', '%F0%9F%98%80', '%ZZ', '\\..\\', 'a b', '😀'),
    fc.integer({ min: 129, max: 20_000 }).map((n) => 'a'.repeat(n)),
    fc.string({ maxLength: 20, unit: 'binary' }).map((s) => encodeURIComponent(s)),
    fc.string({ maxLength: 12 }),
  );
}

/** Ways to bend a path that a router must not be fooled by (slashes, traversal, case, encoding). */
const bendArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant((p: string) => p) },
  fc.constantFrom(
    (p: string) => `${p}/`,
    (p: string) => `${p}//`,
    (p: string) => p.replace('/v1/', '/v1//'),
    (p: string) => p.replace('/v1/', '/v1/../v1/'),
    (p: string) => p.replace('/v1/', '/V1/'),
    (p: string) => p.replace('/sessions/', '/sessions/%2F'),
    (p: string) => p.replace(/\/$/, '').concat('/extra'),
    (p: string) => `/${p}`,
    (p: string) => p.replace(/s/g, '%73'),
    (p: string) => `${p}%00`,
    (p: string) => `${p}#fragment`,
  ),
);

/** Paths off the declared routes altogether. */
const strayPathArb = fc.oneof(
  fc.webPath(),
  fc.constantFrom('/', '', '*', '/v1', '/v1/', '/v2/sessions', '/../../etc/passwd', '/v1/sessions/..', '/v1/experiments/', '/v1/experiments/%', '/v1/experiments/%E0%A4%A'),
  fc.string({ maxLength: 40 }).map((s) => `/v1/${s}`),
);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...METHODS) },
  fc.constantFrom('get', 'post', 'Post', 'TRACE', 'PROPFIND', 'CONNECT', 'X-CUSTOM'),
);

function authorizationArb(context: FuzzContext): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 20, arbitrary: fc.constant(`Bearer ${context.apiKeys[0]}`) },
    { weight: 4, arbitrary: fc.constantFrom(...context.apiKeys.slice(1)).map((key) => `Bearer ${key}`) },
    fc.constant(undefined),
    fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer wink_nope', 'bearer x', 'Bearer  two  spaces', `Bearer ${'k'.repeat(10_000)}`),
    fc.constantFrom(...context.apiKeys).map((key) => `bearer ${key.toUpperCase()}`),
    fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`),
  );
}

const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 20, arbitrary: fc.constant('application/json') },
  fc.constant(undefined),
  fc.constantFrom('', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'APPLICATION/JSON', 'application/json; charset=utf-16',
    'text/plain', 'application/merge-patch+json', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset'),
  fc.string({ maxLength: 30 }),
);

/** `Idempotency-Key`: a few shared values (so keys repeat with other bodies), random ones, huge ones. */
const idempotencyKeyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('fuzz-idempotency-0001', 'fuzz-idempotency-0002') },
  fc.constantFrom('k-1', '', ' ', `fuzz-idempotency-${'\u00e9'.repeat(4)}`),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 256, max: 8_000 }).map((n) => 'i'.repeat(n)),
);

/** Query strings naming the parameters the routes read, with values valid, edge and nonsense. */
const queryArb: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom('wait', 'after', 'include') }, fc.string({ maxLength: 8 })),
      // Valid waits are kept at 0–10 so a waiting request costs at most 10 ms (nobody detects here).
      fc.oneof(
        fc.constantFrom('', '0', '5', '10', '-1', '1.5', '1e3', '0x10', ' 1', '21', '3001', '99999999999999999999', 'NaN', 'suppressed', 'SUPPRESSED', '%00', '%', '%E0%A4%A'),
        fc.string({ maxLength: 20 }).map(encodeURIComponent),
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 1, max: 5_000 }).map((n) => 'x'.repeat(n)),
      ),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('&')));

/** JSON the routes accept, one shape per route: the seed the mutations start from. */
const validBodies = {
  session: fc.tuple(
    fc.record(
      {
        agentId: fc.constantFrom('fuzz', 'agent-1'),
        task: fc.constantFrom('Fix the failing import in app.py', 'Refactor the parser'),
        constraints: fc.array(fc.constantFrom('Do not touch tests/', 'No network'), { maxLength: 2 }),
        policy: fc.record({ forbiddenPaths: fc.constant(['secrets/**']), forbiddenCommands: fc.constant(['rm -rf']) }, { requiredKeys: [] }),
        webhook: fc.record({ url: fc.constantFrom('http://127.0.0.1:9/hook', 'http://[::1]:9/hook') }),
      },
      { requiredKeys: ['agentId', 'task'] },
    ),
    // A mode or an experiment (whose arm decides the mode), or neither.
    fc.oneof(
      fc.constant({}),
      fc.record({ mode: fc.constantFrom('active', 'shadow') }),
      fc.record({ experiment: fc.record({ name: fc.constantFrom('exp-1', 'exp.2'), treatmentShare: fc.constantFrom(0, 0.5, 1) }, { requiredKeys: ['name'] }) }),
    ),
  ).map(([session, mode]) => ({ ...session, ...mode })),
  step: fc.oneof(
    fc.record({ index: fc.integer({ min: 0, max: 2_000 }), type: fc.constant('tool_call'), toolName: fc.constant('bash'), toolInput: fc.record({ command: fc.constantFrom('ls', 'python app.py') }) }),
    fc.record({ index: fc.integer({ min: 0, max: 2_000 }), type: fc.constantFrom('tool_result', 'assistant', 'user', 'system'), content: fc.string({ maxLength: 30 }), exitCode: fc.integer({ min: -1, max: 2 }) }, { requiredKeys: ['index', 'type'] }),
  ),
  end: fc.record({ outcome: fc.constantFrom('success', 'failure', 'abandoned', 'unknown'), engineerInterventions: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: ['outcome'] }),
  hook: fc.record(
    {
      session_id: fc.constantFrom('cc-1', 'cc-2'),
      hook_event_name: fc.constantFrom('UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionStart'),
      tool_name: fc.constantFrom('Bash', 'Edit'),
      tool_input: fc.record({ command: fc.constantFrom('ls', 'npm test') }),
      tool_response: fc.record({ stdout: fc.string({ maxLength: 20 }), exitCode: fc.integer({ min: 0, max: 1 }) }),
      tool_use_id: fc.constantFrom('tu-1', 'tu-2'),
      prompt: fc.string({ maxLength: 30 }),
      stop_hook_active: fc.boolean(),
      transcript_path: fc.constant('/tmp/t.jsonl'),
      cwd: fc.constant('/repo'),
    },
    { requiredKeys: ['session_id', 'hook_event_name'] },
  ),
};
const validJson: fc.Arbitrary<unknown> = fc.oneof(
  validBodies.session,
  validBodies.step,
  fc.array(validBodies.step, { maxLength: 4 }).map((steps) => ({ steps })),
  validBodies.end,
  validBodies.hook,
);

/** Mutations of a valid body: a key dropped, a value swapped for any JSON, a key added, the whole thing wrapped. */
const mutate = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc
  .tuple(valid, fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('drop', 'replace', 'add', 'wrap', 'proto'))
  .map(([value, pick, replacement, how]) => {
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const key = keys[pick % Math.max(1, keys.length)] ?? 'x';
    if (how === 'drop') delete copy[key];
    if (how === 'replace') copy[key] = replacement;
    if (how === 'add') copy[`extra_${pick % 7}`] = replacement;
    if (how === 'wrap') return [copy];
    if (how === 'proto') return JSON.parse(`{"__proto__":${JSON.stringify(replacement)},"constructor":{"prototype":1},${JSON.stringify(copy).slice(1)}`);
    return copy;
  });
const mutatedJson = mutate(validJson);

/** Around the body limit: just under, at and over it (a few MiB each; 25 = the JSON around the task). */
const hugeBody = fc.integer({ min: -1, max: 2 }).map((delta) => `{"agentId":"a","task":"${'t'.repeat(MAX_BODY_BYTES - 25 + delta)}"}`);

const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: validJson.map((value) => JSON.stringify(value)) },
  { weight: 6, arbitrary: mutatedJson.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  fc.json({ maxDepth: 4 }),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '1e400', '{"a":', '\u0000', '\ufeff{}', '{"steps":null}', '{"steps":[]}'),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.string({ maxLength: 64, unit: 'binary' }),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"steps":'.repeat(depth)}1${'}'.repeat(depth)}`),
  hugeBody,
);

/** The body a route reads, valid or mutated, or anything else. */
function bodyFor(path: string): fc.Arbitrary<string | undefined> {
  const valid = path.endsWith('/steps') ? fc.oneof(validBodies.step, fc.array(validBodies.step, { maxLength: 4 }).map((steps) => ({ steps })))
    : path.endsWith('/end') ? validBodies.end
      : path.endsWith('/hooks') ? validBodies.hook
        : path === '/v1/sessions' ? validBodies.session
          : undefined;
  if (!valid) return bodyArb;
  return fc.oneof(
    { weight: 5, arbitrary: valid.map((value) => JSON.stringify(value)) },
    { weight: 4, arbitrary: mutate(valid).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: bodyArb },
    { weight: 1, arbitrary: hugeBody },
  );
}

/** One request: mostly a declared route with its method (so the fuzz gets past routing), sometimes anything. */
export function fuzzRequestArb(context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  // Every declared route; the two that take agents' data most often.
  const routeArb = fc.oneof(...WINK_ROUTES.map((route) => ({ weight: route.path.endsWith('/steps') ? 4 : route.path === '/v1/sessions' ? 2 : 1, arbitrary: fc.constant(route) })));
  const onRoute = routeArb.chain((route) => fc.record({
    method: fc.oneof({ weight: 6, arbitrary: fc.constant(String(route.method)) }, methodArb),
    path: fc.tuple(sessionIdArb(context), bendArb).map(([id, bend]) => bend(route.path.replace(FILLERS, id))),
    body: bodyFor(route.path),
  }));
  const anywhere = fc.record({ method: methodArb, path: strayPathArb, body: bodyArb });
  return fc
    .record({
      target: fc.oneof({ weight: 8, arbitrary: onRoute }, { weight: 2, arbitrary: anywhere }),
      query: queryArb,
      authorization: authorizationArb(context),
      contentType: contentTypeArb,
      idempotencyKey: idempotencyKeyArb,
      extraHeaders: fc.dictionary(fc.constantFrom('x-forwarded-for', 'accept', 'x-amz-date', 'content-encoding', 'x-wink-session-id', 'host'), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
      base64: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
    })
    .map(({ target: { method, path, body }, query, authorization, contentType, idempotencyKey, extraHeaders, base64 }) => ({
      method,
      path,
      query,
      headers: {
        ...extraHeaders,
        ...(authorization !== undefined ? { authorization } : {}),
        ...(contentType !== undefined ? { 'content-type': contentType } : {}),
        ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      // Only small bodies: base64 of a 5 MiB body is its own (already covered) size case.
      base64: base64 && body !== undefined && body.length < 10_000,
    }));
}

/** Header values a real HTTP client can put on the wire (no CR/LF, no control characters). */
const wireSafe = (value: string) => value.replace(/[^\t\x20-\x7e]/g, '?');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** CONNECT asks a proxy for a tunnel; Node's server (like any origin) just closes such a socket. */
const wireMethod = (method: string) => (TOKEN.test(method) && method.toUpperCase() !== 'CONNECT' ? method : 'GET');

/**
 * One request over a raw socket, so the path, method and headers go out exactly as generated
 * (fetch and http.request normalise or refuse some); answers the status code the server wrote.
 */
export function rawHttpRequest(port: number, request: FuzzRequest, timeoutMs = 10_000): Promise<number> {
  const method = wireMethod(request.method);
  const target = `${request.path.startsWith('/') ? '' : '/'}${request.path}${request.query ? `?${request.query}` : ''}`.replace(/[\s\x00-\x1f\x7f-\uffff]/g, (c) => encodeURIComponent(c));
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  const headers = Object.entries(request.headers)
    .filter(([name]) => name !== 'host' && name !== 'content-encoding')
    .map(([name, value]) => `${name}: ${wireSafe(value)}`);
  const head = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...headers, ...(body ? [`content-length: ${body.length}`] : []), '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms: ${method} ${target.slice(0, 200)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer (413, 431) and close before the whole body is written: the answer counts.
    socket.on('error', (error) => { failure = error; });
    socket.on('close', () => {
      const statusLine = Buffer.concat(chunks).toString('latin1').split('\r\n', 1)[0] ?? '';
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
      if (status) resolve(Number(status));
      else reject(new Error(`no HTTP status line (got ${JSON.stringify(statusLine.slice(0, 80))}) for ${method} ${target.slice(0, 200)}`, { cause: failure }));
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}
