import { afterEach, describe, expect, it } from 'vitest';
import { HI, incidentConfig, type Stack, startStack } from '../support/stack.js';

const HUNG = 'gemini-2.5-flash-002';
const HEALTHY = 'gemini-flash-latest-001';
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const call = async (alias: string) => {
  const started = Date.now();
  const res = await fetch(`${stack!.url}/v1beta/models/${alias}:generateContent`, {
    method: 'POST',
    body: HI,
  });
  await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
};

describe("an upstream's waiting room (upstreams.*.maxPending)", () => {
  it('past connections + maxPending attempts in flight, every target of the upstream answers 503 + Retry-After at once instead of queueing', async () => {
    stack = await startStack({
      config: (url) =>
        incidentConfig(url, {
          // no per-target cap to speak of: the upstream's own bound is what is under test
          upstreams: { sim: { connections: 4, maxPending: 2, maxRequestsPerTarget: 1000 } },
          routing: { deadlineMs: 1500 },
          aliases: {
            hung: { targets: [{ upstream: 'sim', model: HUNG }] },
            healthy: { targets: [{ upstream: 'sim', model: HEALTHY }] },
          },
        }),
    });
    stack.sim.setBehaviour(HUNG, { kind: 'hang' });
    const held = Array.from({ length: 6 }, () => call('hung'));
    const hung = stack.gateway.catalog().get('hung')!.targets[0]!.id;
    while (stack.gateway.health.inFlight(hung) < 6 || stack.sim.stats().openRequests < 4) {
      await new Promise((r) => setTimeout(r, 5));
    }

    // 4 on the upstream's connections, 2 waiting for one: the upstream is full, for the hung build and its sibling
    for (const alias of ['hung', 'healthy']) {
      const refused = await call(alias);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('1');
      expect(refused.ms).toBeLessThan(500);
    }
    expect(stack.sim.stats().openRequests).toBe(4);

    // the six held end at the deadline, and the upstream takes requests again
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(6).fill(504));
    expect((await call('healthy')).status).toBe(200);
  });
});
