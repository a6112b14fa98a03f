import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentConfig, type Stack, startStack } from '../support/stack.js';

const HEADERS_TIMEOUT_MS = 1500;
let stack: Stack | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stack?.close();
  stack = undefined;
});

/**
 * Opens a connection that sends a request's headers one byte every 200 ms (slowloris) and never finishes them;
 * resolves with when the gateway closed it (ms after connecting; Infinity if still open after `giveUpMs`) and what
 * it said.
 */
function trickle(url: string, giveUpMs: number): Promise<{ closedAfterMs: number; answer: string }> {
  const { hostname, port } = new URL(url);
  const head = `POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nhost: x\r\nx-slow: ${'a'.repeat(400)}`;
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    const opened = Date.now();
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < head.length && socket.writable) socket.write(head[sent++]!);
    }, 200);
    socket.on('data', (b: Buffer) => (answer += b.toString()));
    socket.on('error', () => {});
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      resolve({ closedAfterMs: Number.POSITIVE_INFINITY, answer });
    }, giveUpMs);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - opened, answer });
    });
  });
}

describe('a client that sends its headers slowly (slowloris)', () => {
  it('is cut off with 408 within about a second of server.headersTimeoutMs, not up to 30 s later', async () => {
    stack = await startStack({
      config: (url) => incidentConfig(url, { server: { headersTimeoutMs: HEADERS_TIMEOUT_MS } }),
    });
    const { closedAfterMs, answer } = await trickle(stack.url, HEADERS_TIMEOUT_MS + 3000);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 1500);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('did not arrive in time');
  }, 10_000);
});
