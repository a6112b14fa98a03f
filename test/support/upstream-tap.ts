import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/**
 * A pass-through between the gateway and the simulator that counts upstream requests by User-Agent. The gateway
 * passes the client's User-Agent on, so a client that sends a unique one can tell exactly which upstream calls
 * its own request caused — even when an aborted attempt of an earlier request reaches the simulator late.
 */
export interface UpstreamTap {
  readonly url: string;
  /** Upstream requests seen so far carrying this User-Agent. */
  calls(userAgent: string): number;
  close(): Promise<void>;
}

export async function startUpstreamTap(targetUrl: string): Promise<UpstreamTap> {
  const pool = new Pool(targetUrl, { connections: 32 });
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const agent = String(req.headers['user-agent'] ?? '');
    counts.set(agent, (counts.get(agent) ?? 0) + 1);
    void relay(pool, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: (userAgent) => counts.get(userAgent) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.destroy();
    },
  };
}

/** Forwards one request and streams the answer back; when either side goes away, so does the other. */
async function relay(pool: Pool, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.connection;
  try {
    const upstream = await pool.request({
      path: req.url ?? '/',
      method: req.method as 'POST',
      headers,
      body: req,
      signal: abort.signal,
    });
    const answer = { ...upstream.headers };
    delete answer.connection;
    delete answer['keep-alive'];
    res.writeHead(upstream.statusCode, answer as Record<string, string>);
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  } catch {
    res.destroy();
  }
}
