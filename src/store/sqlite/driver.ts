import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { ConfigError } from '../../errors.js';

type Driver = typeof Database;
let driver: Driver | undefined;

/**
 * better-sqlite3 is a native module compiled at install time. Loading it lazily turns a missing or mismatched build
 * into one clear error naming the fix, instead of a stack trace at start-up of every command (probe and sim never
 * need it).
 */
export function loadDatabase(): Driver {
  if (driver) return driver;
  try {
    driver = createRequire(import.meta.url)('better-sqlite3') as Driver;
    return driver;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n', 1)[0] : String(e);
    throw new ConfigError(
      `the SQLite module (better-sqlite3) cannot be loaded: ${reason}. It is compiled when aliasgate is installed: ` +
        'install make, g++ and python3, then run `npm rebuild better-sqlite3` (Node.js >= 20.18)',
      { cause: e },
    );
  }
}
