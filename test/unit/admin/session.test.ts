import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSession, SESSION_MS, validSession } from '../../../src/admin/session.js';
import { hashSecret, sessionKeyOf } from '../../../src/config/secret.js';

/**
 * The dashboard's session cookie (src/admin/session.ts): proof of having had the token, without being the token;
 * it expires by itself and any replica can check it.
 */

const NOW = Date.parse('2026-11-24T14:05:00Z');
const TOKEN = 'correct-horse-battery-staple';
const DIGEST = hashSecret(TOKEN);
const KEY = sessionKeyOf(TOKEN);

describe('dashboard sessions', () => {
  it('hold the expiry, 12 hours on, and a signature; never the token or its digest', () => {
    const session = newSession(KEY, NOW);
    expect(session).toMatch(/^\d+\.[A-Za-z0-9_-]+$/);
    expect(session.split('.')[0]).toBe(String(NOW + SESSION_MS));
    expect(SESSION_MS).toBe(12 * 60 * 60 * 1000);
    expect(session).not.toContain('correct-horse');
    expect(session).not.toContain(DIGEST);
    expect(session).not.toContain(KEY);
  });

  it('cannot be forged by someone who knows only the digest (auth.adminTokenSha256 in a config file)', () => {
    const expiry = String(NOW + SESSION_MS);
    // what a signature keyed by the digest would look like: the scheme before this was fixed
    const fromDigest = createHmac('sha256', `aliasgate-session:${DIGEST}`).update(expiry).digest('base64url');
    const fromDigestDirect = createHmac('sha256', DIGEST).update(expiry).digest('base64url');
    expect(validSession(KEY, `${expiry}.${fromDigest}`, NOW)).toBe(false);
    expect(validSession(KEY, `${expiry}.${fromDigestDirect}`, NOW)).toBe(false);
    expect(KEY).not.toBe(DIGEST);
  });

  it('are valid until they expire, on any replica (no state kept), and not a moment after', () => {
    const session = newSession(KEY, NOW);
    expect(validSession(KEY, session, NOW)).toBe(true);
    expect(validSession(KEY, session, NOW + SESSION_MS - 1)).toBe(true);
    expect(validSession(KEY, session, NOW + SESSION_MS)).toBe(false);
  });

  it('end when the token is rotated', () => {
    expect(validSession(sessionKeyOf('a new token'), newSession(KEY, NOW), NOW)).toBe(false);
  });

  const session = newSession(KEY, NOW);
  const [expiry, signature] = session.split('.') as [string, string];
  it.each([
    ['a pushed-back expiry with the old signature', `${Number(expiry) + SESSION_MS}.${signature}`],
    ['a signature cut short', `${expiry}.${signature.slice(0, -1)}`],
    [
      'a signature one character off',
      `${expiry}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
    ],
    ['a longer signature', `${expiry}.${signature}A`],
    ['an expiry that is not a number', `1e20.${signature}`],
    ['a negative expiry', `-${expiry}.${signature}`],
    ['no signature', `${expiry}.`],
    ['no expiry', `.${signature}`],
    ['no dot', `${expiry}${signature}`],
    ['empty', ''],
    ['the digest itself', DIGEST],
  ])('refuse %s', (_name, value) => {
    expect(validSession(KEY, value, NOW)).toBe(false);
  });
});
