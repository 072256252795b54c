import { createServer, request as httpRequest } from 'node:http';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** What the proxy answered: a status, or 'reset' when it cut the connection. */
  answer: number | 'reset';
}

export type Fault = number | 'reset';

/**
 * A loopback HTTP proxy in front of the real local stack that can play an outage: while `faults`
 * holds entries (or `down` is set) it answers them (a status, or a cut connection) instead of
 * forwarding. Everything it saw is recorded, so tests can check what the client retried.
 */
export async function startFaultyProxy(target: string) {
  const seen: ProxiedRequest[] = [];
  const state = {
    down: undefined as Fault | undefined,
    faults: [] as Fault[],
    match: (_path: string) => true,
    /** Rewrites a forwarded JSON answer (to play a newer server's reply). */
    rewrite: undefined as ((path: string, body: unknown) => unknown) | undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const fault = state.match(path) ? (state.faults.length > 0 ? state.faults.shift() : state.down) : undefined;
      if (fault === 'reset') {
        seen.push({ method: req.method ?? 'GET', path, body, headers: req.headers, answer: 'reset' });
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        seen.push({ method: req.method ?? 'GET', path, body, headers: req.headers, answer: fault });
        res.writeHead(fault, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'unavailable', message: 'proxy playing an outage' } }));
        return;
      }
      const url = new URL(path, target);
      const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
        seen.push({ method: req.method ?? 'GET', path, body, headers: req.headers, answer: answer.statusCode ?? 0 });
        const rewrite = state.rewrite;
        if (!rewrite) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' })
            .end(JSON.stringify(rewrite(path, text ? JSON.parse(text) : undefined)));
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    state,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
