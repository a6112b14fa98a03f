import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a dashboard sign-in lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * The dashboard's cookie: `<expiry>.<HMAC-SHA256 of the expiry under the session key>`. It proves its holder had the
 * token without being the token, expires on its own, and every replica (and a restarted gateway) can check it without
 * shared session state. The key is derived from the admin token itself (sessionKeyOf), never from its digest: the
 * digest may sit in a config file (`auth.adminTokenSha256`) that more people can read than hold the token. Rotating
 * the admin token ends every session.
 */
export function newSession(key: string, now: number): string {
  const expiry = String(now + SESSION_MS);
  return `${expiry}.${sign(key, expiry)}`;
}

export function validSession(key: string, value: string, now: number): boolean {
  const dot = value.indexOf('.');
  if (dot <= 0) return false;
  const expiry = value.slice(0, dot);
  if (!/^\d+$/.test(expiry) || Number(expiry) <= now) return false;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(sign(key, expiry));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sign(key: string, expiry: string): string {
  return createHmac('sha256', key).update(expiry).digest('base64url');
}
