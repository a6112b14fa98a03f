import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeDriverError, nativeDriverError } from '../../../src/store/sqlite/native-driver-error.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasgate-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the `bindings` package (better-sqlite3's loader) throws when build/Release/*.node is absent. */
function bindingsNotFound(): unknown {
  const bindings = createRequire(import.meta.url)('bindings') as (o: object) => unknown;
  try {
    bindings({ bindings: 'better_sqlite3.node', module_root: dir });
  } catch (e) {
    return e;
  }
  throw new Error('bindings found a module that does not exist');
}

/** What Node throws for a .node file that is not a loadable shared object. */
function dlopenFailure(): unknown {
  const file = join(dir, 'broken.node');
  writeFileSync(file, 'not an ELF file');
  try {
    process.dlopen({ exports: {} }, file);
  } catch (e) {
    return e;
  }
  throw new Error('dlopen loaded a text file');
}

/** Node's own message for an addon built against another ABI (src/node_binding.cc), which no test can build. */
function abiMismatch(): Error {
  const e = new Error(
    "The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\n' +
      'NODE_MODULE_VERSION 127. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n' +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  );
  return Object.assign(e, { code: 'ERR_DLOPEN_FAILED' });
}

describe('nativeDriverError', () => {
  it.each([
    ['a native module that was never built', bindingsNotFound, /was never built/],
    [
      'a native module built for another Node.js',
      abiMismatch,
      /NODE_MODULE_VERSION 127; Node\.js v\d+\.\d+\.\d+ needs 115/,
    ],
    ['a native module that is not a shared object', dlopenFailure, /does not load \(.*broken\.node/],
  ])('%s: one line that names the cause and the fix', (_, make, cause) => {
    const error = nativeDriverError(make());
    expect(error).toBeInstanceOf(NativeDriverError);
    expect(error!.message).not.toContain('\n');
    expect(error!.message).toMatch(/^better-sqlite3 .* cannot load: /);
    expect(error!.message).toMatch(cause);
    expect(error!.message).toContain('install make, g++ and python3, then run `npm rebuild better-sqlite3`');
    expect(error!.message).toContain('Node.js >= 20.18');
  });

  it('names the directory to rebuild in: the one whose node_modules holds better-sqlite3', () => {
    const message = nativeDriverError(bindingsNotFound())!.message;
    // node_modules may be a link to a shared install; what counts is where it resolves
    const root = createRequire(import.meta.url)
      .resolve('better-sqlite3')
      .split('/node_modules/better-sqlite3/')[0];
    expect(message).toContain(` in ${root} (`);
  });

  it.each([
    ['a file that is not a database', new Error('file is not a database')],
    ['a directory that cannot be created', Object.assign(new Error('EACCES'), { code: 'EACCES' })],
    ['a thrown string', 'boom'],
  ])('leaves other failures alone: %s', (_, e) => {
    expect(nativeDriverError(e)).toBeUndefined();
  });
});
