import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../shared/steps.ts';
import { lambdaContext } from './sqsPoller.ts';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/**
 * Bodies past this are drained to the end but not buffered: the handler sees a body one byte over
 * its limit and answers 413, exactly as it would behind API Gateway.
 */
const BUFFER_LIMIT = MAX_BODY_BYTES + 1;

/**
 * What API Gateway does, on loopback: turn each HTTP request into a payload-v2 event for the
 * ingest handler and write its answer back. The body is read to its end even when it is too
 * large, so the client receives the 413 instead of a reset connection mid-upload.
 */
export function startApiServer(handler: ApiHandler, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const { body, bytes } = await readBody(req);
      const result = await handler(toEvent(req, body, bytes), lambdaContext('wink-local-api'));
      const response = typeof result === 'string' ? { statusCode: 200, body: result } : result;
      res.writeHead(response.statusCode ?? 200, { 'content-type': 'application/json', ...(response.headers as Record<string, string>) });
      res.end(response.body ?? '');
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Internal error; it has been logged. The request may or may not have taken effect, and may fail again if retried.' } }));
      console.error(error);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function readBody(req: IncomingMessage): Promise<{ body: string; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (bytes < BUFFER_LIMIT) chunks.push(chunk.subarray(0, BUFFER_LIMIT - bytes));
    bytes += chunk.length;
  }
  return { body: Buffer.concat(chunks).toString('utf8'), bytes };
}

function toEvent(req: IncomingMessage, body: string, bytes: number): APIGatewayProxyEventV2 {
  // API Gateway routes on the path exactly as sent: no resolving of `//`, `/../`, `/./` or
  // backslashes, which new URL() would do (and would read `//v1/…` as a host name).
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : value ?? '']),
  );
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `local-${Date.now()}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(bytes > 0 ? { body } : {}),
  };
}
