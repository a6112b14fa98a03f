import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/** One request as an upstream received it. */
export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Capture {
  url: string;
  requests: Captured[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A recording pass-through in front of an upstream (the simulator): what the gateway sends is kept, byte for byte,
 * and the upstream's answer is streamed back unchanged. Lets a test assert what an upstream was asked for.
 */
export async function startCapture(upstreamUrl: string): Promise<Capture> {
  const requests: Captured[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const entry: Captured = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: body.toString('utf8'),
      status: 0,
    };
    // the gateway reads each alias's Model resource at start (catalog/learned-model.ts): not a test's request
    if (req.headers['user-agent'] !== 'aliasgate-model-info') requests.push(entry);
    try {
      const answer = await request(`${upstreamUrl}${entry.path}`, {
        method: entry.method as 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: entry.method === 'GET' ? null : body,
      });
      entry.status = answer.statusCode;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers))
        if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
      res.writeHead(answer.statusCode, headers);
      for await (const chunk of answer.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
