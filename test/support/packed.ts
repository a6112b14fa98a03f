import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { run, userEnv } from './processes.js';

export const REPO = join(import.meta.dirname, '../..');

/** What the checkout does not hand to `npm pack`: installs, build output, local state. */
const NOT_SOURCES = new Set(['node_modules', '.git', 'dist', 'coverage', '.aliasgate', 'tmp']);

const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline'];

export interface Packed {
  tarball: string;
  files: string[];
}

/**
 * `npm pack` as `npm publish` runs it (prepack included), on a copy of the checkout: the checkout's own
 * dist/ is left alone, since other test files run it while this one packs.
 */
export async function packCopy(into: string): Promise<Packed> {
  const source = join(into, 'source');
  cpSync(REPO, source, {
    recursive: true,
    filter: (path) => !NOT_SOURCES.has(relative(REPO, path).split(sep)[0]!),
  });
  symlinkSync(realpathSync(join(REPO, 'node_modules')), join(source, 'node_modules'), 'dir');
  const out = await npm(['pack', '--json', '--pack-destination', into], source);
  const [result] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(into, result.filename), files: result.files.map((f) => f.path) };
}

/**
 * Hands better-sqlite3's install script (prebuild-install) the binary this checkout already built, as a
 * "local prebuild" found through a .prebuild-installrc above every install under `root`: the real install
 * script runs, but unpacks it instead of compiling SQLite (about 90 s on 2 cores). Without a built binary, or
 * when the installed version differs, the script compiles as it would for a user.
 */
export async function offerPrebuiltDriver(root: string): Promise<string> {
  const require = createRequire(join(REPO, 'package.json'));
  const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const binary = join('build', 'Release', 'better_sqlite3.node');
  if (!existsSync(join(packageDir, binary))) return version;
  const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
    .glibcVersionRuntime;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${glibc ? '' : 'musl'}-${process.arch}.tar.gz`;
  const prebuilds = join(root, 'prebuilds');
  mkdirSync(prebuilds);
  const tar = await run('tar', ['-czf', join(prebuilds, name), binary], { cwd: packageDir, env: userEnv() });
  if (tar.code !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  writeFileSync(join(root, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);
  return version;
}

/**
 * A fresh project that installs the tarball as a user would, production dependencies only. It approves
 * better-sqlite3's install script (npm's allowScripts) and pins its version to the prebuilt one.
 */
export async function installInProject(dir: string, tarball: string, driverVersion: string): Promise<void> {
  mkdirSync(dir);
  const manifest = {
    name: 'uses-aliasgate',
    private: true,
    allowScripts: { 'better-sqlite3': true },
    overrides: { 'better-sqlite3': driverVersion },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await npm(['install', '--omit=dev', ...NPM_QUIET, tarball], dir);
}

/**
 * `npm install -g` into its own prefix, with install scripts skipped (`--ignore-scripts`): better-sqlite3 is
 * then left unbuilt, as after a failed or refused build, which is the state the CLI has to explain.
 */
export async function installGlobally(prefix: string, tarball: string): Promise<void> {
  await npm(
    ['install', '--global', '--prefix', prefix, '--ignore-scripts', ...NPM_QUIET, tarball],
    dirname(prefix),
  );
}

async function npm(args: string[], cwd: string): Promise<string> {
  const result = await run('npm', args, { cwd, env: userEnv() });
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}
