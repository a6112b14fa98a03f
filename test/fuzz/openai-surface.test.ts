import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import { openaiPath, requestOf, target } from '../support/fuzz-arbitraries.js';
import { exchange, expectStillServing, fuzzParams } from '../support/fuzz-check.js';
import { type FuzzStack, startFuzzStack } from '../support/fuzz-stack.js';

let stack: FuzzStack;
beforeAll(async () => {
  stack = await startFuzzStack();
});
afterAll(() => stack.close());

it('/v1beta/openai/chat/completions, /v1/chat/completions and the other OpenAI-compatible paths with any method, query, headers and body: no gateway-made 5xx, local refusals cost no upstream call, errors are envelopes, no key echoed', async () => {
  await fc.assert(
    fc.asyncProperty(target, requestOf(openaiPath), async (t, req) => {
      await exchange(stack, t, req);
    }),
    fuzzParams(2000),
  );
});

it('both gateways still answer /healthz and serve a valid request afterwards', async () => {
  await expectStillServing(stack);
});
