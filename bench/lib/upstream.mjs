import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginxStatic } from './nginx.mjs';
import { freePort, launch, waitForPort } from './processes.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SERVERS = join(HERE, '..', 'servers');
export const BENCH = join(HERE, '..');

/**
 * The static upstream every overhead and scale case calls: nginx `return 200` when nginx is installed (it is
 * then never the bottleneck), else a minimal node:http responder whose CPU share the tables report.
 * @returns {Promise<{ kind: 'nginx' | 'node', url: string, pid: number, stop(): Promise<unknown> }>}
 */
export async function startStaticUpstream(nginx) {
  if (nginx) return Object.assign(await startNginxStatic(nginx), { kind: 'nginx' });
  return Object.assign(await launch(join(SERVERS, 'static-upstream.mjs'), [], { name: 'static upstream' }), {
    kind: 'node',
  });
}

/** The floor proxy (bench/floor-proxy.mjs) in front of `upstreamUrl`. */
export function startFloor(upstreamUrl) {
  return launch(join(BENCH, 'floor-proxy.mjs'), [upstreamUrl], {
    name: 'floor proxy',
    execArgv: ['--expose-gc'],
  });
}

/** aliasgate from dist/ with the config at `configPath`; `--expose-gc` lets it report memory after GC. */
export function startGateway(configPath, opts = {}) {
  return launch(join(SERVERS, 'gateway.mjs'), [configPath], {
    name: opts.name ?? 'aliasgate',
    execArgv: ['--expose-gc', ...(opts.execArgv ?? [])],
  });
}

/** The simulator from dist/ with an inline scenario written to `scenarioPath` (none: the incident). */
export function startSim(scenarioPath, seed) {
  return launch(
    join(SERVERS, 'simulator.mjs'),
    [scenarioPath ?? '-', ...(seed !== undefined ? [String(seed)] : [])],
    { name: 'simulator' },
  );
}

/**
 * The product's own entry point, `aliasgate serve --config FILE --workers N` (node:cluster when N > 1), for the
 * scaling-over-cores case. Ready once the port accepts; stopped with SIGTERM like an operator would.
 */
export async function startServe(configPath, workers) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(BENCH, '..', 'bin', 'aliasgate.js'),
      'serve',
      '--config',
      configPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      String(workers),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', resolve)).then(() => {
    exited = true;
  });
  try {
    await Promise.race([
      waitForPort(port, 30_000),
      exit.then(() => {
        throw new Error(`aliasgate serve --workers ${workers} exited before it listened`);
      }),
    ]);
    // every worker listens on the shared handle; give the later ones a moment to join before measuring
    await new Promise((resolve) => setTimeout(resolve, 500));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: `aliasgate serve --workers ${workers}`,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    get alive() {
      return !exited;
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
