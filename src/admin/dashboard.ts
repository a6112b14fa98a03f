import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { readBody } from '../api/body.js';
import { ADMIN_COOKIE, type AdminAccess, checkSameOrigin, hasSession, isAdminToken } from './auth.js';
import { newSession, SESSION_MS } from './session.js';

/** The page and its files (web/), found beside dist/ or src/: no build step, served as they are. */
const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The page's security headers. The CSP forbids inline script and style, so the page runs from its own files
 * alone; form-action and frame-ancestors do not fall back to default-src, hence spelled out. Not `no-referrer`:
 * under it Chromium sends `Origin: null` with the login form's POST, and the Origin check refuses it.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
} as const;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Only flat file names of the kinds served: no `..`, no sub-folders, never tsconfig.json. */
const ASSET = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

/**
 * `GET /dashboard` (the page, or the locked page with its token form), `GET /dashboard/<file>`, `POST
 * /dashboard/login` and the start-up link `GET /dashboard?token=…`. Returns false for other paths.
 */
export async function serveDashboard(
  access: AdminAccess,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  now: number,
): Promise<boolean> {
  if (path === '/dashboard/') return redirect(res, '/dashboard');
  if (path === '/dashboard' && req.method === 'GET') {
    const token = query.get('token');
    // the start-up link: sign in once, then drop the token from the address bar
    if (token !== null) return signIn(access, res, token, now);
    const page = hasSession(access, req, now) ? 'index.html' : 'login.html';
    await sendFile(res, page);
    return true;
  }
  if (path === '/dashboard/login' && req.method === 'POST') {
    // a form cannot send the CSRF header; the Origin check still holds
    checkSameOrigin(req, false);
    const form = new URLSearchParams((await readBody(req, 4096)).toString('utf8'));
    return signIn(access, res, form.get('token') ?? '', now);
  }
  if (path.startsWith('/dashboard/') && req.method === 'GET') {
    const name = path.slice('/dashboard/'.length);
    if (!ASSET.test(name)) return notFound(res);
    await sendFile(res, name);
    return true;
  }
  return false;
}

function signIn(access: AdminAccess, res: ServerResponse, token: string, now: number): true {
  if (access.tokenSha256 === undefined || access.sessionKey === undefined) return redirect(res, '/dashboard');
  if (!isAdminToken(access, token)) return redirect(res, '/dashboard#token-rejected');
  res.setHeader(
    'set-cookie',
    `${ADMIN_COOKIE}=${newSession(access.sessionKey, now)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`,
  );
  return redirect(res, '/dashboard');
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(303, { ...PAGE_HEADERS, location });
  res.end();
  return true;
}

function notFound(res: ServerResponse): true {
  res.writeHead(404, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end('No such file.\n');
  return true;
}

async function sendFile(res: ServerResponse, name: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(`${WEB}${name}`);
  } catch {
    notFound(res);
    return;
  }
  res.writeHead(200, {
    ...PAGE_HEADERS,
    'content-type': TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'text/plain',
  });
  res.end(body);
}
