import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';

/**
 * better-sqlite3's native part cannot load: it was never built (install scripts skipped, or no compiler
 * when they ran) or it was built for another Node.js. The command line and config were fine, so the CLI
 * exits 1, not 2; the message is one line that names the cause and the fix.
 */
export class NativeDriverError extends Error {
  override readonly name = 'NativeDriverError';
}

const FIX = 'install make, g++ and python3, then run `npm rebuild better-sqlite3`';

/**
 * The error to report instead of `e` when `e` is better-sqlite3 failing to load its addon, else undefined.
 * better-sqlite3 loads the addon on the first `new Database()`, not at import, so this is where it shows.
 */
export function nativeDriverError(e: unknown): NativeDriverError | undefined {
  const cause = loadFailure(e);
  if (!cause) return undefined;
  const where = installRoot();
  return new NativeDriverError(
    `better-sqlite3 (the SQLite driver for the operator state) cannot load: ${cause}; ` +
      `${FIX}${where ? ` in ${where}` : ''} (with Node.js >= 20.18)`,
    { cause: e },
  );
}

function loadFailure(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  if (e.message.startsWith('Could not locate the bindings file')) {
    return 'its native module was never built (its install script was skipped or failed)';
  }
  if ((e as NodeJS.ErrnoException).code !== 'ERR_DLOPEN_FAILED') return undefined;
  const abi = [...e.message.matchAll(/NODE_MODULE_VERSION (\d+)/g)].map((m) => m[1]);
  if (abi.length === 2) {
    return `its native module was built for another Node.js (NODE_MODULE_VERSION ${abi[0]}; Node.js ${process.version} needs ${abi[1]})`;
  }
  return `its native module does not load (${e.message.split('\n', 1)[0]})`;
}

/** The directory whose node_modules holds better-sqlite3: where `npm rebuild` must run to reach it. */
function installRoot(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('better-sqlite3');
    const marker = `${sep}node_modules${sep}better-sqlite3${sep}`;
    const at = entry.lastIndexOf(marker);
    return at < 0 ? dirname(entry) : entry.slice(0, at);
  } catch {
    return undefined;
  }
}
