import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginxStatic } from './nginx.mjs';
import { launch } from './processes.mjs';

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
  return launch(join(BENCH, 'floor-proxy.mjs'), [upstreamUrl], { name: 'floor proxy', execArgv: ['--expose-gc'] });
}

/** aliasgate from dist/ with the config at `configPath`; `--expose-gc` lets it report memory after GC. */
export function startGateway(configPath, opts = {}) {
  return launch(join(SERVERS, 'gateway.mjs'), [configPath, String(opts.workers ?? 1)], {
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
