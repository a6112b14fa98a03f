import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  installGlobally,
  installInProject,
  offerPrebuiltDriver,
  type Packed,
  packCopy,
  REPO,
} from '../support/packed.js';
import { killStarted, run, start, userEnv } from '../support/processes.js';
import { HI } from '../support/stack.js';

/*
 * Slow (about 20 s on an idle 2-core box, up to a minute on a busy one; packing and installing are most of it): what a user gets from `npm install` of the packed tarball.
 * Packs a copy of the checkout (prepack builds dist/ there), installs the tarball into an empty project with
 * production dependencies only and into an empty global prefix, and runs the installed binary.
 */

let root: string;
let packed: Packed;
let project: string;
let globalPrefix: string;
const env = userEnv();
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
const installed = () => join(project, 'node_modules', '.bin', 'aliasgate');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'aliasgate-package-'));
  packed = await packCopy(root);
  const driverVersion = await offerPrebuiltDriver(root);
  project = join(root, 'project');
  globalPrefix = join(root, 'global');
  await Promise.all([
    installInProject(project, packed.tarball, driverVersion),
    installGlobally(globalPrefix, packed.tarball),
  ]);
}, 300_000);
afterEach(killStarted);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('slow: the packed tarball, installed as a user would (npm pack → npm install → aliasgate)', () => {
  it('holds only what runs, and dist/ is built fresh by prepack: one .js per source module, no more', () => {
    const allowed =
      /^(dist\/.+\.js|bin\/.+|scenarios\/.+|web\/.+|examples\/.+|README\.md|LICENSE|SECURITY\.md|package\.json)$/;
    expect(packed.files.filter((f) => !allowed.test(f))).toEqual([]);
    // the copy that was packed had no dist/: every file under it was built by prepack, from these sources
    const modules = sourceModules(join(REPO, 'src')).map((m) => `dist/${m}.js`);
    expect(packed.files.filter((f) => f.startsWith('dist/')).sort()).toEqual(modules.sort());
    expect(packed.files).toEqual(expect.arrayContaining(['bin/aliasgate.js', 'scenarios/incident.yaml']));
  });

  it('imports nothing at run time but Node built-ins and its own dependencies', () => {
    const dist = join(project, 'node_modules', 'aliasgate', 'dist');
    const foreign = bareImports(dist).filter(
      (name) => !(name in manifest.dependencies) && !builtinModules.includes(name.replace(/^node:/, '')),
    );
    expect(foreign).toEqual([]);
  });

  it('loads every module of dist/ with production dependencies only', async () => {
    const dist = join(project, 'node_modules', 'aliasgate', 'dist');
    const files = sourceModules(dist).map((m) => join(dist, `${m}.js`));
    const script = `for (const f of ${JSON.stringify(files)}) await import(f);`;
    const result = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('runs as node_modules/.bin/aliasgate and through npx', async () => {
    // the version the CLI reports is a constant of its own: it must be the package's
    const version = await run(installed(), ['--version'], { cwd: project, env });
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    // yes=false: should the installed one not be found, fail rather than fetch some package named aliasgate
    const npx = await run('npx', ['aliasgate', '--version'], {
      cwd: project,
      env: { ...env, npm_config_yes: 'false' },
    });
    expect(npx).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  it('sim starts on the default scenario read from the package, and probe measures it', async () => {
    const sim = await start(
      installed(),
      ['sim', '--port', '0'],
      { cwd: project, env },
      /aliasgate sim: (http:\/\/\S+) .*\n/,
    );
    expect(sim.ready[0]).toContain('gemini-3.5-flash (2 builds)');
    const probe = await run(
      installed(),
      ['probe', '--base-url', sim.ready[1]!, '-m', 'gemini-2.5-flash', '-n', '5'],
      { cwd: project, env },
    );
    expect(probe.stderr).not.toMatch(/\n\s+at /);
    expect(probe.code).toBe(0);
    expect(probe.stdout).toMatch(/gemini-2\.5-flash\s+5\s+5\s+0\s/);
    expect((await sim.stop()).code).toBe(0);
  });

  it('serve in demo mode answers over HTTP, status reads it, and SIGTERM ends it with 0', async () => {
    const serve = await start(
      installed(),
      ['serve', '--port', '0', '--admin-port', '0'],
      { cwd: project, env },
      /listening on (http:\/\/[^\s;]+); admin API and dashboard on (http:\/\/\S+)\n/,
    );
    const url = serve.ready[1]!;
    const adminUrl = serve.ready[2]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const reply = await fetch(`${url}/v1beta/models/gemini-3.5-flash:generateContent`, {
      method: 'POST',
      body: HI,
    });
    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('candidates');
    const status = await run(installed(), ['status', '--url', adminUrl], { cwd: project, env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^gemini-3\.5-flash \[ga\]/m);
    const stopped = await serve.stop();
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    expect(stopped.code).toBe(0);
  });

  describe('installed globally with the native build skipped', () => {
    const globalBin = () => join(globalPrefix, 'bin', 'aliasgate');

    it('still runs the commands that need no database', async () => {
      expect(await run(globalBin(), ['--version'], { cwd: root, env })).toMatchObject({
        code: 0,
        stdout: `${manifest.version}\n`,
      });
      const sim = await start(
        globalBin(),
        ['sim', '--port', '0'],
        { cwd: root, env },
        /aliasgate sim: (http:\/\/\S+) .*\n/,
      );
      // an answer also means the sim is past its banner and handles SIGTERM (it prints before it listens for it)
      expect((await fetch(`${sim.ready[1]}/v1beta/models`)).status).toBe(200);
      expect((await sim.stop()).code).toBe(0);
    });

    it('serve says in one line that better-sqlite3 is not built and how to fix it, and exits 1', async () => {
      const serve = await run(globalBin(), ['serve', '--port', '0', '--admin-port', '0'], { cwd: root, env });
      expect(serve.code).toBe(1);
      const packageDir = join(globalPrefix, 'lib', 'node_modules', 'aliasgate');
      expect(serve.stderr).toBe(
        `aliasgate: better-sqlite3 (the SQLite driver for the operator state) cannot load: its native module was never built (its install script was skipped or failed); install make, g++ and python3, then run \`npm rebuild better-sqlite3\` in ${packageDir} (with Node.js >= 20.18)\n`,
      );
    });
  });
});

/** Every module under `dir` (.ts or .js) as a path without extension: `cli/main`. */
function sourceModules(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(ts|js)$/, ''));
}

/** The package names every module under `dir` imports (static, re-exported or dynamic). */
function bareImports(dir: string): string[] {
  const names = new Set<string>();
  for (const file of sourceModules(dir)) {
    const text = readFileSync(join(dir, `${file}.js`), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return [...names];
}
