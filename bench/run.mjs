#!/usr/bin/env node
/**
 * `npm run bench` — aliasgate's cost per request against direct calls, nginx and a floor proxy (issue 5).
 *
 *   node bench/run.mjs [--smoke] [--only overhead,incident,scale,profile,cluster,fleet,soak]
 *
 * Runs the compiled gateway (dist/, `npm run build` first), prints tables and writes bench/results/latest.json
 * and latest.md (smoke.json / smoke.md for --smoke). Exits non-zero when a part fails: a non-2xx answer, a socket error, a wrong body, a crash.
 * See bench/README.md for what each section measures and the BENCH_* knobs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeConfigFiles } from './lib/configs.mjs';
import { findNginx } from './lib/nginx.mjs';
import { parseOptions } from './lib/options.mjs';
import { CLOCK_TICKS } from './lib/proc.mjs';
import { renderAll } from './lib/report.mjs';
import { startStaticUpstream } from './lib/upstream.mjs';
import { removeBodyFiles, wrkAvailable } from './lib/wrk.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const log = (line) => process.stderr.write(`${line}\n`);

function machine(options, nginx) {
  const nproc = (() => {
    try {
      return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    } catch {
      return cpus().length;
    }
  })();
  const nginxVersion = nginx
    ? // `nginx -v` prints its version on stderr
      spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim() || 'nginx'
    : undefined;
  // which code was measured: the commit and whether the working tree differed from it (read-only git calls)
  const git = (args) =>
    spawnSync('git', args, { cwd: join(HERE, '..'), encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no', '--', 'src']) !== '',
    nproc,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_'))),
    clockTicks: CLOCK_TICKS,
    nginx: nginxVersion ?? null,
    options,
  };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(HERE, '..', 'dist', 'gateway.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  if (!wrkAvailable()) throw new Error('wrk is not installed (apt-get install wrk)');
  const nginx = findNginx();
  const results = { meta: machine(options, nginx), failures: [] };
  log(
    `aliasgate bench: ${options.smoke ? 'smoke' : 'full'}; sections ${options.sections.join(', ')}; ` +
      `${options.seconds} s per cell, ${options.rounds} round(s); nginx ${nginx ? 'found' : 'not installed: nginx rows skipped'}`,
  );

  const upstream = await startStaticUpstream(nginx);
  log(`static upstream: ${upstream.kind} at ${upstream.url}`);
  const env = { upstream, nginx };
  try {
    for (const section of options.sections) {
      log(`\n== ${section}`);
      const started = Date.now();
      const { run } = await import(`./sections/${section}.mjs`);
      try {
        results[section] = await run(env, options, log);
        results.failures.push(...(results[section].failures ?? []).map((f) => `${section}: ${f}`));
      } catch (error) {
        results.failures.push(`${section}: ${error.stack ?? error.message}`);
      }
      log(`== ${section} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await upstream.stop();
    removeConfigFiles();
    removeBodyFiles();
  }
  results.meta.upstream = upstream.kind;

  const { text, md } = renderAll(results);
  process.stdout.write(`${text}\n`);
  const out = join(HERE, 'results');
  mkdirSync(out, { recursive: true });
  // the smoke run only proves the bench works: it must not overwrite the full run's figures
  const name = options.smoke ? 'smoke' : 'latest';
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), `${md}\n`);
  log(`\nwrote bench/results/${name}.json and ${name}.md`);
  if (results.failures.length > 0) {
    log(`\nFAILED (${results.failures.length}):\n${results.failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exitCode = 1;
});
