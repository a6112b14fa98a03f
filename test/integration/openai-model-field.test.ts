import { afterEach, beforeEach, expect, it } from 'vitest';
import { aliasHealth } from '../../src/health/alias-status.js';
import { type FuzzStack, startFuzzStack } from '../support/fuzz-stack.js';

/**
 * The OpenAI-compatible surface names the alias in the body's `model`, not in the path. Two ways a client's
 * ordinary request there turned into upstream failures charged to healthy targets (found by test/fuzz).
 */

let stack: FuzzStack;
beforeEach(async () => {
  stack = await startFuzzStack();
});
afterEach(() => stack.close());

let sent = 0;

async function chat(
  body: string,
): Promise<{ status: number; target: string | null; text: string; upstream: number }> {
  const marker = `openai-model-field-${++sent}`;
  const res = await fetch(`${stack.gateways.open.url}/v1beta/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': marker },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    target: res.headers.get('x-aliasgate-target'),
    text,
    upstream: stack.tap.calls(marker),
  };
}

function health(alias: string): string[] {
  const { gateway } = stack.gateways.open;
  return aliasHealth(gateway.catalog().get(alias)!, gateway.health).targets.map(
    (t) => `${t.model}: ${t.state}, ${t.failures} failures`,
  );
}

const MESSAGES = '"messages":[{"role":"user","content":"hi"}]';

it('a model name written with JSON escapes is the same alias: served, and no target is charged for it', async () => {
  for (let i = 0; i < 5; i++) {
    const answer = await chat(`{"model":"\\u0063hat",${MESSAGES}}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.target).toMatch(/^sim\/fuzz-flash-00[12]$/);
  }
  expect(health('chat')).toEqual([
    'fuzz-flash-001: in_rotation, 0 failures',
    'fuzz-flash-002: in_rotation, 0 failures',
  ]);
});

it('chat on an alias that serves only embeddings is refused locally, like the native surface refuses the verb', async () => {
  for (let i = 0; i < 5; i++) {
    const answer = await chat(`{"model":"embed",${MESSAGES}}`);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.target).toBeNull();
    expect(answer.upstream, 'upstream calls').toBe(0);
    // the OpenAI-compatible surface answers its own errors in OpenAI's shape
    const parsed = JSON.parse(answer.text) as { error: { message: string; type: string; code: string } };
    expect(parsed.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_model' });
    expect(parsed.error.message).toContain('does not support generateContent');
  }
  expect(health('embed')).toEqual(['fuzz-embedding-001: in_rotation, 0 failures']);
});
