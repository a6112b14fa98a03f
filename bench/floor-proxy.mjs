import { createServer } from 'node:http';
import { Pool } from 'undici';

/**
 * The floor: the least a Node 20 proxy can do (the "bare Node proxy with no logic at all"): a node:http
 * server, an undici 7 `Pool.request` to one upstream, the request body collected, the response streamed back.
 * No routing, no classification, no health, no headers beyond content-type. aliasgate's CPU per request is
 * compared with this one's, measured in the same run.
 *
 *   node bench/floor-proxy.mjs <upstream-url> [port]
 */
const upstream = process.argv[2] ?? 'http://127.0.0.1:8081';
const pool = new Pool(upstream, { connections: 128 });

const server = createServer({ keepAliveTimeout: 120_000 }, async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const answer = await pool.request({
      path: req.url,
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] });
    for await (const chunk of answer.body) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  if (!process.send) return console.log(`floor proxy on ${url} → ${upstream}`);
  const { announce } = await import('./servers/ipc.mjs');
  announce(url, { close: () => pool.close() });
});
