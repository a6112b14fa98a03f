import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  isResponsesError,
  openaiErrorFromGoogle,
  type ResponsesError,
  responsesRequest,
  responsesResult,
} from '../../src/api/openai/responses.js';
import { ResponsesEventStream } from '../../src/api/openai/responses-stream.js';
import { errorStatus, parseEnvelope } from '../../src/wire/envelope.js';
import { SseReader } from '../../src/wire/sse.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../src/wire/types.js';

/**
 * A test-only stand-in for the gateway's Responses route: `POST /v1/responses` → the translation modules → the
 * simulator's generateContent / streamGenerateContent?alt=sse → back. No routing, retries or health: only what
 * proves that real clients accept the translation. `sent` keeps every Gemini request, for assertions.
 */
export interface ResponsesBridge {
  /** `http://127.0.0.1:PORT/v1`, the OpenAI SDKs' baseURL. */
  readonly baseURL: string;
  readonly sent: GenerateContentRequest[];
  close(): Promise<void>;
}

export async function startResponsesBridge(upstreamUrl: string): Promise<ResponsesBridge> {
  const sent: GenerateContentRequest[] = [];
  let responses = 0;
  const server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(e), type: 'server_error' } });
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/responses') {
      return send(res, 404, { error: { message: `no route ${req.url}`, type: 'invalid_request_error' } });
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(await req.toArray()).toString('utf8'));
    } catch {
      return fail(res, {
        status: 400,
        error: { message: 'invalid JSON', type: 'invalid_request_error', param: null, code: null },
      });
    }
    const call = responsesRequest(body);
    if (isResponsesError(call)) return fail(res, call);
    sent.push(call.request);
    responses += 1;
    const meta = {
      id: `resp_bridge${responses}`,
      createdAt: Math.floor(Date.now() / 1000),
      model: call.model,
      call,
    };
    const method = call.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    const upstream = await request(
      `${upstreamUrl}/v1beta/models/${encodeURIComponent(call.model)}:${method}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call.request),
      },
    );
    if (upstream.statusCode !== 200) {
      const text = await upstream.body.text();
      const status = parseEnvelope(text) ?? errorStatus(upstream.statusCode, text);
      return fail(res, openaiErrorFromGoogle(upstream.statusCode, status));
    }
    if (!call.stream) {
      const answer = (await upstream.body.json()) as GenerateContentResponse;
      return send(res, 200, responsesResult(answer, meta));
    }
    await relay(upstream.body, res, new ResponsesEventStream(meta));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Gemini SSE → Responses SSE, chunk by chunk; an upstream error after the first byte fails the response. */
async function relay(
  upstream: AsyncIterable<Buffer>,
  res: ServerResponse,
  events: ResponsesEventStream,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const reader = new SseReader();
  const decoder = new TextDecoder();
  try {
    for await (const bytes of upstream) {
      for (const payload of reader.push(decoder.decode(bytes, { stream: true }))) {
        const value = JSON.parse(payload) as GenerateContentResponse & {
          error?: { message?: string; status?: string };
        };
        if (value.error) {
          res.end(events.fail({ message: value.error.message ?? 'upstream error', code: 'server_error' }));
          return;
        }
        res.write(events.chunk(value));
      }
    }
  } catch (e) {
    res.end(events.fail({ message: `upstream stream broke: ${String(e)}` }));
    return;
  }
  const rest = reader.rest();
  if (rest) {
    // Google ends a failing stream with a bare error object after the last event (not an SSE event)
    const error = parseEnvelope(rest);
    res.end(events.fail({ message: error?.message ?? 'upstream stream ended mid-event' }));
  } else {
    res.end(events.end());
  }
}

function fail(res: ServerResponse, error: ResponsesError): void {
  send(res, error.status, { error: error.error });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
