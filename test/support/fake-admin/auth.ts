import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FakeHttpError } from './fleet.js';

export const COOKIE = 'aliasgate_admin';
export const CSRF_HEADER = 'x-aliasgate-csrf';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Who may use the admin API and the dashboard: with no token, anyone on loopback (demo mode); with one, a
 * holder of the token (Authorization: Bearer, as the CLI sends it) or of a session cookie bought with it at
 * /dashboard/login. State-changing requests that ride on ambient credentials (a cookie, or loopback alone)
 * must prove they come from the page: a custom header a cross-site form cannot send, and a same-origin Origin.
 */
export class Sessions {
  readonly #token: Buffer | undefined;
  readonly #sessions = new Set<string>();

  constructor(token: string | undefined) {
    this.#token = token ? Buffer.from(token) : undefined;
  }

  get open(): boolean {
    return !this.#token;
  }

  /** The cookie value for a correct token, or undefined. */
  login(token: string): string | undefined {
    if (!this.#tokenMatches(token)) return undefined;
    const session = randomBytes(24).toString('base64url');
    this.#sessions.add(session);
    return session;
  }

  /** Throws 401 unless the request may read the admin API; says whether it came with a bearer token. */
  authorize(req: IncomingMessage): 'bearer' | 'ambient' {
    if (this.open) {
      refuseForeignHost(req);
      return 'ambient';
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.#tokenMatches(auth.slice(7).trim())) return 'bearer';
    if (this.hasSession(req)) return 'ambient';
    throw new FakeHttpError(401, 'Sign in with the admin token: this session is missing or has expired.');
  }

  /** Every session ends, as when the token is rotated. */
  expireAll(): void {
    this.#sessions.clear();
  }

  hasSession(req: IncomingMessage): boolean {
    if (this.open) return true;
    const value = cookieValue(req.headers.cookie, COOKIE);
    return value !== undefined && this.#sessions.has(value);
  }

  #tokenMatches(candidate: string): boolean {
    const given = Buffer.from(candidate);
    return !!this.#token && given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }
}

/** Refuses a state change that could have been sent by another site riding on the browser's credentials. */
export function requireSameOrigin(req: IncomingMessage, needHeader: boolean): void {
  if (needHeader && req.headers[CSRF_HEADER] !== '1')
    throw new FakeHttpError(
      403,
      `Refused: a state-changing request from a browser must carry ${CSRF_HEADER}: 1.`,
    );
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`)
    throw new FakeHttpError(403, `Refused: Origin ${origin} is not this dashboard's.`);
}

/**
 * With no token the only guard is "on loopback"; a page on another site whose name resolves to 127.0.0.1
 * (DNS rebinding) would pass that, so the Host must be a loopback name too.
 */
function refuseForeignHost(req: IncomingMessage): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (!LOOPBACK_HOSTS.has(host))
    throw new FakeHttpError(403, `Refused: Host ${host} is not a loopback name.`);
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
