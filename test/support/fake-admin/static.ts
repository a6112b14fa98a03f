import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * The page's security headers (docs/admin-api.md "Serving the page"). The CSP forbids inline script and
 * style, so the page must work from its own files alone; form-action and frame-ancestors do not fall back
 * to default-src, hence spelled out.
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  // not no-referrer: under it Chromium sends `Origin: null` with the login form's POST, and the Origin check fails
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Only flat file names with a served extension: no dot-dot, no sub-folders, no .d.ts or tsconfig. */
const ASSET = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

export function isAsset(name: string): boolean {
  return ASSET.test(name);
}

export async function sendFile(res: ServerResponse, dir: string, name: string): Promise<void> {
  const ext = name.slice(name.lastIndexOf('.'));
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch {
    res.writeHead(404, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`No such file: ${name}\n`);
    return;
  }
  res.writeHead(200, { ...PAGE_HEADERS, 'content-type': TYPES[ext] ?? 'application/octet-stream' });
  res.end(body);
}
