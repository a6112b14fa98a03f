import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorStatus, JSON_CONTENT_TYPE, renderEnvelope } from '../../../src/wire/envelope.js';
import { sseEvent } from '../../../src/wire/sse.js';

/** What a fake Gemini server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  /** The model id from `/v1beta/models/{model}:verb`, if any. */
  model: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type FakeHandler = (req: SeenRequest, res: ServerResponse) => void;

/** A tiny node:http server on 127.0.0.1:0 for probe tests; the handler answers each request. */
export async function startFake(handler: FakeHandler): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const model = /\/models\/([^:/?]+):/.exec(req.url ?? '')?.[1];
      const entry = { method: req.method ?? '', url: req.url ?? '', model, headers: req.headers, body };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const DEAD_BUILD = 'gemini-v4p1s-rev24-ajax-sentinel';

export const COMPLETION = {
  candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  modelVersion: 'gemini-2.5-flash',
};

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE });
  res.end(JSON.stringify(value, null, 2));
}

export function sendError(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': JSON_CONTENT_TYPE });
  res.end(renderEnvelope(errorStatus(code, message)));
}

export function sendSse(res: ServerResponse, events: unknown[], tail = ''): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(events.map((e) => sseEvent(e)).join('') + tail);
}

export function sendModelList(res: ServerResponse, names: string[], nextPageToken?: string): void {
  sendJson(res, 200, {
    models: names.map((n) => ({ name: `models/${n}` })),
    ...(nextPageToken ? { nextPageToken } : {}),
  });
}

/**
 * The incident in miniature: `alias` answers the dead build's 404 except on every `failEvery`-th call
 * (counted per model), everything else answers; GET models lists `listed`.
 */
export function incidentHandler(opts: { alias: string; failEvery: number; listed: string[] }): FakeHandler {
  const counts = new Map<string, number>();
  return (req, res) => {
    if (req.method === 'GET') return sendModelList(res, opts.listed);
    const model = req.model ?? '';
    const n = (counts.get(model) ?? 0) + 1;
    counts.set(model, n);
    if (model === opts.alias && n % opts.failEvery !== 0) {
      return sendError(res, 404, `Model not found: models/${DEAD_BUILD}`);
    }
    if (req.url.includes('alt=sse')) return sendSse(res, [COMPLETION]);
    sendJson(res, 200, COMPLETION);
  };
}
