import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aliasHealth } from '../../src/health/alias-status.js';
import { shortDeadline, target, withReadableBody } from '../support/fuzz-arbitraries.js';
import { exchange, expectStillServing, fuzzParams } from '../support/fuzz-check.js';
import type { FuzzRequest } from '../support/fuzz-http.js';
import { type FuzzStack, GOOD_KEY, startFuzzStack } from '../support/fuzz-stack.js';

/**
 * What reaches the gateway when the client itself misbehaves on the wire (a Content-Length that lies) or asks
 * for less time than an answer takes (X-Server-Timeout).
 */

let stack: FuzzStack;
beforeAll(async () => {
  stack = await startFuzzStack();
});
afterAll(() => stack.close());

const HI = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] });
const CHAT = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });

const PATHS = [
  '/v1beta/models/chat:generateContent',
  '/v1beta/models/chat:streamGenerateContent?alt=sse',
  '/v1beta/models/chat:streamGenerateContent',
  '/v1beta/models/embed:countTokens',
  '/v1beta/openai/chat/completions',
  '/v1/chat/completions',
  '/v1beta/models',
  '/healthz',
  '/admin/status',
] as const;

const bodyFor = (path: string) => (path.includes('chat/completions') ? CHAT : HI);

const lyingRequest = fc
  .record({
    path: fc.constantFrom(...PATHS),
    method: fc.constantFrom('POST', 'GET'),
    delta: fc.oneof(fc.integer({ min: -60, max: -1 }), fc.integer({ min: 1, max: 60 }), fc.constant(1e9)),
  })
  .map(({ path, method, delta }): FuzzRequest => {
    const body = Buffer.from(bodyFor(path));
    return withReadableBody({
      method,
      path,
      headers: {
        'x-goog-api-key': GOOD_KEY,
        authorization: `Bearer ${GOOD_KEY}`,
        'content-type': 'application/json',
      },
      body,
      declaredLength: Math.max(0, body.length + delta),
    });
  });

it('a Content-Length that lies, longer or shorter than the body: the properties still hold, nothing hangs', async () => {
  await fc.assert(
    fc.asyncProperty(target, lyingRequest, async (t, req) => {
      await exchange(stack, t, req);
    }),
    // a third of these leave the client waiting out its patience: fewer runs keep the property within its budget
    fuzzParams(100),
  );
});

const deadlineRequest = fc
  .record({ path: fc.constantFrom(...PATHS.slice(0, 6)), timeout: shortDeadline })
  .map(
    ({ path, timeout }): FuzzRequest =>
      withReadableBody({
        method: 'POST',
        path,
        headers: {
          'x-goog-api-key': GOOD_KEY,
          'content-type': 'application/json',
          'x-server-timeout': timeout,
        },
        body: Buffer.from(bodyFor(path)),
      }),
  );

it('a short X-Server-Timeout gets the answer in time or 504 DEADLINE_EXCEEDED, never another 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(target, deadlineRequest, async (t, req) => {
      const answer = await exchange(stack, t, req);
      if (answer.kind === 'answer' && answer.headers['x-aliasgate-target'] === undefined) {
        expect([200, 504], answer.body.toString()).toContain(answer.status);
      }
    }),
    fuzzParams(300),
  );
});

it('a client that gives up early gets 504 each time and is not the targets’ fault: they stay in rotation', async () => {
  // a stack of its own: this test would otherwise leave the shared one with ejected targets
  const own = await startFuzzStack();
  try {
    // every answer now takes longer than the client is willing to wait
    for (const build of ['fuzz-flash-001', 'fuzz-flash-002', 'fuzz-lite-001']) {
      own.sim.configureBuild(build, { latency: 40 });
    }
    const { url, gateway } = own.gateways.open;
    const statuses: number[] = [];
    // twelve over two targets: one of them sees at least six in a row, past any ejection streak
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${url}/v1beta/models/chat:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-server-timeout': '0.005' },
        body: HI,
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect.soft(statuses, 'what the client gets').toEqual(Array(12).fill(504));
    const states = gateway
      .catalog()
      .aliases()
      .flatMap((a) => aliasHealth(a, gateway.health).targets.map((t) => `${t.model}: ${t.state}`));
    expect
      .soft(states, 'the targets’ health')
      .toEqual(states.map((s) => s.replace(/: .*$/, ': in_rotation')));
  } finally {
    await own.close();
  }
});

it('both gateways still answer /healthz and serve a valid request afterwards', async () => {
  await expectStillServing(stack);
});
