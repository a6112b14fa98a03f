import { describe, expect, it } from 'vitest';
import type { Observed as AttemptOutcome } from '../../../src/classify/judge.js';
import { judge, judgeCut } from '../../../src/classify/judge.js';

const target = { model: 'build-1' };
const answer = (
  status: number,
  body: string,
  headers: Record<string, string> = {},
  malformed = false,
): AttemptOutcome => ({
  kind: 'answer',
  status,
  headers,
  chunks: [Buffer.from(body)],
  ...(malformed ? { malformed } : {}),
});

describe('judge', () => {
  it.each([
    ['a 200', answer(200, '{}'), 'ok'],
    ['a 200 whose body is not JSON', answer(200, '<html>', {}, true), 'transient'],
    [
      'the incident 404',
      answer(404, '{"error":{"code":404,"message":"Model not found: models/x","status":"NOT_FOUND"}}'),
      'target_fault',
    ],
    [
      'a 400',
      answer(400, '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}'),
      'client_error',
    ],
    ['a 503 with an HTML body', answer(503, '<html>busy</html>'), 'transient'],
    [
      'a connection reset',
      { kind: 'transport', error: Object.assign(new Error('x'), { code: 'ECONNRESET' }) },
      'transient',
    ],
  ] as [string, AttemptOutcome, string][])('%s → %s', (_n, outcome, kind) => {
    expect(judge(outcome, { model: target.model }).kind).toBe(kind);
  });

  it('honours a Retry-After given as an HTTP date', () => {
    const now = Date.parse('Wed, 25 Nov 2026 12:00:00 GMT');
    const verdict = judge(
      answer(429, '{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}', {
        'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT',
      }),
      { model: target.model, now },
    );
    expect(verdict).toMatchObject({ kind: 'overloaded', retryAfterMs: 30_000 });
  });
});

describe('judgeCut: a forwarded body that ended badly', () => {
  it.each([
    [
      'Google’s error object mid-stream',
      { kind: 'upstream_error', error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } },
      'transient',
    ],
    [
      'a mid-stream 404 naming a dead build',
      {
        kind: 'upstream_error',
        error: { code: 404, message: 'Model not found: models/x', status: 'NOT_FOUND' },
      },
      'target_fault',
    ],
    [
      'a reset',
      { kind: 'transport', error: Object.assign(new Error('x'), { code: 'ECONNRESET' }) },
      'transient',
    ],
    ['a clean close without finishReason', { kind: 'truncated' }, 'transient'],
  ] as const)('%s → %s', (_n, cut, kind) => {
    expect(judgeCut(cut, { model: 'build-1' }).kind).toBe(kind);
  });
});
