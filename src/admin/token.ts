import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the admin token lives when the operator configured none: beside the state file, as Jupyter keeps its
 * token in its runtime directory. The CLI on the same machine reads it from there.
 */
export function defaultTokenFile(sqlitePath: string): string {
  return sqlitePath === ':memory:'
    ? join('.aliasgate', 'admin-token')
    : join(dirname(sqlitePath), 'admin-token');
}

/**
 * The token in `file`, or a new random one written there with mode 0600. Several workers starting at once agree on
 * one token: the file is created exclusively, and whoever loses the race reads the winner's.
 */
export function ensureAdminToken(file: string): string {
  const path = resolve(file);
  const existing = readAdminToken(path);
  if (existing) return existing;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${token}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600);
    return token;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // the winner has created the file and may not have written it yet: wait for it, briefly (start-up only)
    for (let i = 0; i < 100; i++) {
      const winner = readAdminToken(path);
      if (winner) return winner;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
    throw e;
  }
}

/** The token kept in `file`, or undefined when there is none (or it is empty). */
export function readAdminToken(file: string): string | undefined {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/**
 * Where a running gateway says its admin listener is: `admin-url` beside the token file, written at start and
 * removed at stop, so the CLI on the same machine finds a non-default admin port with no flags (Jupyter keeps its
 * server's URL in its runtime directory for the same reason).
 */
export function adminUrlFile(tokenFile: string): string {
  return join(dirname(tokenFile), 'admin-url');
}

export function writeAdminUrl(file: string, url: string): () => void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${url}\n`, { mode: 0o600 });
  } catch {
    return () => undefined; // a read-only directory: the CLI falls back to the default URL or flags
  }
  return () => {
    // only our own: another gateway sharing the directory may have written its URL since
    if (readAdminUrl(file) === url) rmSync(file, { force: true });
  };
}

/** The URL a running gateway wrote, or undefined when none is running here (or it could not write). */
export function readAdminUrl(file: string): string | undefined {
  return readAdminToken(file);
}
