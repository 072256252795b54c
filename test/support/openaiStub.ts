import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible server on 127.0.0.1 (ephemeral port) for the judge's tests. It
 * records every request body and answers POST /v1/chat/completions with the next scripted reply
 * (or the fallback), like a real server would: structured output, JSON mode, a refusal, invalid
 * JSON, a slow answer, an HTTP error, or a 400 for servers without structured outputs.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export type StubReply =
  | { kind: 'content'; content: string; finishReason?: string; usage?: Usage | null }
  | { kind: 'refusal'; refusal: string }
  | { kind: 'status'; status: number; message: string }
  | { kind: 'delay'; ms: number; then: StubReply };

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const DEFAULT_USAGE: Usage = { prompt_tokens: 900, completion_tokens: 100, total_tokens: 1_000 };

/** An answer as a structured-output server sends it: the JSON object as the message content. */
export const structured = (answer: unknown, usage: Usage | null = DEFAULT_USAGE): StubReply => ({
  kind: 'content',
  content: JSON.stringify(answer),
  usage,
});
/** JSON mode servers often pretty-print or fence their JSON. */
export const jsonMode = (answer: unknown, usage: Usage | null = DEFAULT_USAGE): StubReply => ({
  kind: 'content',
  content: '```json\n' + JSON.stringify(answer, null, 2) + '\n```',
  usage,
});
export const refusal = (text = "I'm sorry, I can't help with that."): StubReply => ({ kind: 'refusal', refusal: text });
export const invalidJson = (): StubReply => ({ kind: 'content', content: '{"findings": [ {"subtype": "scope_creep", ' });
export const slow = (ms: number, then: StubReply): StubReply => ({ kind: 'delay', ms, then });
export const httpError = (status: number, message = 'server error'): StubReply => ({ kind: 'status', status, message });

export interface StubOptions {
  /** Answer 400 to any request with response_format json_schema, like servers without structured outputs. */
  rejectJsonSchema?: boolean;
  /** Reply when the script is empty; defaults to an empty, valid answer. */
  fallback?: StubReply;
}

export interface OpenAIStub {
  /** Base URL for the openai client (ends in /v1). */
  baseURL: string;
  requests: RecordedRequest[];
  /** Chat completion requests only. */
  completions(): RecordedRequest[];
  /** Queue replies, answered in order. */
  script(...replies: StubReply[]): void;
  /** Drops the replies not yet used. */
  clear(): void;
  close(): Promise<void>;
}

export async function startOpenAIStub(options: StubOptions = {}): Promise<OpenAIStub> {
  const requests: RecordedRequest[] = [];
  const queue: StubReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fallback = options.fallback ?? structured({ findings: [], flagged: [] });

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the raw text: a test may assert on it
    }
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      return sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }
    const format = (body as { response_format?: { type?: string } } | undefined)?.response_format?.type;
    if (options.rejectJsonSchema && format === 'json_schema') {
      return sendJson(res, 400, {
        error: { message: "response_format type 'json_schema' is not supported", type: 'invalid_request_error', param: 'response_format', code: null },
      });
    }
    answer(res, queue.shift() ?? fallback, (body as { model?: string } | undefined)?.model ?? 'stub');
  });

  function answer(res: ServerResponse, reply: StubReply, model: string): void {
    switch (reply.kind) {
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(res, reply.then, model);
        }, reply.ms);
        timers.add(timer);
        return;
      }
      case 'status':
        return sendJson(res, reply.status, { error: { message: reply.message, type: 'invalid_request_error', param: null, code: null } });
      case 'refusal':
        return sendJson(res, 200, completion(model, { role: 'assistant', content: null, refusal: reply.refusal }, 'stop', DEFAULT_USAGE));
      case 'content':
        return sendJson(
          res,
          200,
          completion(model, { role: 'assistant', content: reply.content, refusal: null }, reply.finishReason ?? 'stop', reply.usage === undefined ? DEFAULT_USAGE : reply.usage),
        );
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    completions: () => requests.filter((r) => r.path.endsWith('/chat/completions')),
    script: (...replies) => queue.push(...replies),
    clear: () => { queue.length = 0; },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function completion(model: string, message: object, finishReason: string, usage: Usage | null) {
  return {
    id: `chatcmpl-stub-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
