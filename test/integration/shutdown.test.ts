import { afterEach, describe, expect, it } from 'vitest';
import { HI, incidentConfig, type Stack, startStack } from '../support/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.sim.close();
  stack = undefined;
});

const BUILD = 'gemini-2.5-flash-002';
const withGrace = (graceMs: number) => (url: string) =>
  incidentConfig(url, {
    server: { shutdownGraceMs: graceMs },
    aliases: { slow: { targets: [{ upstream: 'sim', model: BUILD }] } },
  });

describe('stopping the gateway', () => {
  it('lets a request in flight finish within the grace period', async () => {
    stack = await startStack({ config: withGrace(2000) });
    stack.sim.configureBuild(BUILD, { latency: 300 });
    const pending = fetch(`${stack.url}/v1beta/models/slow:generateContent`, { method: 'POST', body: HI });
    while (stack.sim.stats().openRequests === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = stack.gateway.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { candidates: unknown[] }).candidates.length).toBe(1);
    await closing;
  });

  it('ends a stream still open after the grace period with an error event, not a silent cut', async () => {
    stack = await startStack({ config: withGrace(150) });
    stack.sim.configureBuild(BUILD, { streamChunks: 1000, chunkIntervalMs: 20 });
    const res = await fetch(`${stack.url}/v1beta/models/slow:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: HI,
    });
    const text = res.text();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await stack.gateway.close();
    expect(Date.now() - started).toBeLessThan(1500);
    const events = (await text).split('\r\n\r\n').filter(Boolean);
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"code":503,"message":"The gateway is shutting down/);
    await new Promise((r) => setTimeout(r, 50));
    expect(stack.sim.stats().openRequests).toBe(0);
  });
});
