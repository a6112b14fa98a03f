import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HI } from '../support/stack.js';

/** An SSE upstream that writes the given pieces, each in its own network write, then closes cleanly. */
async function sseUpstream(pieces: string[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of pieces) {
        res.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let server: Server | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  server?.close();
});

async function through(pieces: string[]): Promise<string> {
  const up = await sseUpstream(pieces);
  server = up.server;
  gateway = createGateway(
    configFromObject({
      state: { sqlitePath: ':memory:' },
      logging: { level: 'silent' },
      upstreams: { up: { baseUrl: up.url } },
      aliases: { a: { targets: [{ upstream: 'up', model: 'm' }] } },
    }),
    { log: createLogger('silent') },
  );
  const { url } = await gateway.listen(0, '127.0.0.1', { port: 0 });
  const res = await fetch(`${url}/v1beta/models/a:streamGenerateContent?alt=sse`, {
    method: 'POST',
    body: HI,
  });
  return res.text();
}

const event = (text: string, finish?: boolean) =>
  `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }] })}\r\n\r\n`;

describe('stream completion', () => {
  it('a stream that closes cleanly without finishing gets an error event, not a silent end', async () => {
    const text = await through([event('one'), event('two')]);
    expect(text.startsWith(event('one') + event('two'))).toBe(true);
    expect(text).toMatch(/data: \{"error":\{"code":502,"message":"upstream stream ended before completion/);
  });

  it('a finishReason split across two network reads is still seen', async () => {
    const last = event('two', true);
    const cut = last.indexOf('finishRea');
    const text = await through([event('one'), last.slice(0, cut), last.slice(cut)]);
    expect(text).toBe(event('one') + last);
  });
});
