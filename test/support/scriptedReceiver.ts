import { createServer, type IncomingHttpHeaders } from 'node:http';

/** How the receiver answers one POST: a status (with headers), never (hang), or a cut connection. */
export type ReceiverAnswer = { status: number; headers?: Record<string, string> } | 'hang' | 'reset';

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answer: ReceiverAnswer;
}

/**
 * A webhook receiver on loopback whose answers are scripted per path (one path per session), so
 * concurrent sessions each get their own faults. Unscripted posts get a 200.
 */
export async function startScriptedReceiver() {
  const received: ReceivedPost[] = [];
  const scripts = new Map<string, ReceiverAnswer[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const answer = scripts.get(path)?.shift() ?? { status: 200 };
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answer });
      if (answer === 'hang') return; // the notifier's timeout gives up on it; close() cuts it
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    /** A webhook URL for one session, with its scripted answers. */
    urlFor(label: string, ...answers: ReceiverAnswer[]): string {
      scripts.set(`/${label}`, answers);
      return `http://127.0.0.1:${port}/${label}`;
    },
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
