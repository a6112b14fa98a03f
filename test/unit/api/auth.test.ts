import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ClientAuth, checkScope, inScope } from '../../../src/api/auth.js';
import { ManualClock } from '../../../src/clock.js';
import { hashSecret } from '../../../src/config/secret.js';
import { GatewayError } from '../../../src/errors.js';
import { LocalRateLimiter } from '../../../src/limits/rate-limiter.js';

const clock = new ManualClock();
const auth = new ClientAuth([{ name: 'team-a', sha256: hashSecret('key-a') }], new LocalRateLimiter(clock));

function statusOf(fn: () => unknown): [number, string] | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    const g = e as GatewayError;
    return [g.httpStatus, g.geminiStatus];
  }
}

describe('ClientAuth', () => {
  it.each([
    ['header key', { 'x-goog-api-key': 'key-a' }, undefined, false, 'ok'],
    ['?key=', {}, 'key-a', false, 'ok'],
    ['Bearer on the OpenAI surface', { authorization: 'Bearer key-a' }, undefined, true, 'ok'],
    [
      'Bearer on the Gemini surface is not a key',
      { authorization: 'Bearer key-a' },
      undefined,
      false,
      [403, 'PERMISSION_DENIED'],
    ],
    ['no key: 403 like the real service', {}, undefined, false, [403, 'PERMISSION_DENIED']],
    [
      'wrong key: 400 API_KEY_INVALID like the real service',
      { 'x-goog-api-key': 'nope' },
      undefined,
      false,
      [400, 'INVALID_ARGUMENT'],
    ],
  ] as const)('%s', (_n, headers, query, bearer, expected) => {
    expect(statusOf(() => auth.check(headers, query, bearer))).toEqual(expected);
  });

  it('a wrong key error carries ErrorInfo API_KEY_INVALID and never the key', () => {
    try {
      auth.check({ 'x-goog-api-key': 'secret-guess' }, undefined, false);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      const g = e as GatewayError;
      expect(g.details?.[0]).toMatchObject({ reason: 'API_KEY_INVALID' });
      expect(JSON.stringify(g)).not.toContain('secret-guess');
      expect(g.message).not.toContain('secret-guess');
    }
  });

  it('with no keys configured the gateway is open', () => {
    expect(new ClientAuth([], new LocalRateLimiter(clock)).check({}, undefined, false)).toBeUndefined();
  });

  it('keeps only digests: no clear key is held, whatever was presented before', () => {
    auth.check({ 'x-goog-api-key': 'key-a' }, undefined, false);
    const held = JSON.stringify(Object.entries(auth)) + String(Object.getOwnPropertyNames(auth));
    expect(held).not.toContain('key-a');
    expect(inspect(auth, { showHidden: true, depth: 5 })).not.toContain('key-a');
  });
});

describe('client key scopes and rate limits', () => {
  const limited = new ClientAuth(
    [
      {
        name: 'team-b',
        sha256: hashSecret('key-b'),
        aliases: ['gemini-flash-latest'],
        rateLimit: { requestsPerSecond: 2, burst: 3 },
      },
    ],
    new LocalRateLimiter(clock),
  );
  const key = limited.check({ 'x-goog-api-key': 'key-b' }, undefined, false)!;

  it('allows only the aliases listed: others get 403 PERMISSION_DENIED naming the alias', () => {
    expect(statusOf(() => checkScope(key, 'gemini-flash-latest'))).toBe('ok');
    expect(statusOf(() => checkScope(key, 'gemini-3.5-flash'))).toEqual([403, 'PERMISSION_DENIED']);
    expect(() => checkScope(key, 'gemini-3.5-flash')).toThrow(/may not call models\/gemini-3\.5-flash/);
    expect(inScope(key, 'gemini-3.5-flash')).toBe(false);
    expect(statusOf(() => checkScope(undefined, 'anything'))).toBe('ok');
  });

  it('a token bucket: burst at once, then the sustained rate; 429 with Retry-After and RetryInfo beyond it', () => {
    for (let i = 0; i < 3; i++) limited.admit(key);
    let error: GatewayError | undefined;
    try {
      limited.admit(key);
    } catch (e) {
      error = e as GatewayError;
    }
    expect([error?.httpStatus, error?.geminiStatus]).toEqual([429, 'RESOURCE_EXHAUSTED']);
    expect(error?.retryAfterMs).toBe(500);
    expect(error?.details?.[0]).toMatchObject({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '0.5s',
    });
    clock.advance(500);
    expect(statusOf(() => limited.admit(key))).toBe('ok');
    expect(statusOf(() => limited.admit(key))).toEqual([429, 'RESOURCE_EXHAUSTED']);
  });
});
