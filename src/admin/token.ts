import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
