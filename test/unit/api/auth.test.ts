import { describe, expect, it } from 'vitest';
import { ClientAuth } from '../../../src/api/auth.js';
import { hashSecret } from '../../../src/config/secret.js';
import { GatewayError } from '../../../src/errors.js';

const auth = new ClientAuth([{ name: 'team-a', sha256: hashSecret('key-a') }]);

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
    expect(new ClientAuth([]).check({}, undefined, false)).toBeUndefined();
  });
});
