import cluster from 'node:cluster';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createGateway } from '../gateway.js';
import { startSimulator } from '../sim/server.js';
import type { CommandContext } from './io.js';

interface ServeOptions {
  config?: string;
  host?: string;
  port?: number;
  workers: number;
}

/** The demo fleet's URL, handed from the primary to its workers so they share one simulator. */
const DEMO_SIM_URL = 'ALIASGATE_DEMO_SIM_URL';

/**
 * `aliasgate serve [--config FILE] [--host H] [--port P] [--workers N]`. With no config: demo mode — the built-in
 * simulated fleet with the incident behind it, on loopback, and a config that shows provider mode and client mode
 * side by side. With `--workers N`, N processes share the port (node:cluster): each keeps its own health view
 * (a dead build is ejected by each within a few requests), and operator pulls reach all of them through the SQLite
 * state file within a second.
 */
export function serveCommand(ctx: CommandContext): Command {
  return new Command('serve')
    .description('run the gateway (demo mode over the simulated incident fleet when no --config is given)')
    .option('-c, --config <file>', 'gateway config (YAML)')
    .option('--host <host>', 'listen address (overrides server.host)')
    .addOption(
      new Option('-p, --port <port>', 'listen port (overrides server.port; 0 picks a free one)').argParser(
        (v) => integerIn('--port', v, 0, 65535),
      ),
    )
    .addOption(
      new Option('-w, --workers <n>', 'processes sharing the port, one per core is the most useful')
        .argParser((v) => integerIn('--workers', v, 1, 256))
        .default(1),
    )
    .action(async (opts: ServeOptions) => {
      const { io } = ctx;
      const inheritedSim = cluster.isWorker ? io.env[DEMO_SIM_URL] : undefined;
      const sim = opts.config || inheritedSim ? undefined : await startSimulator({});
      const simUrl = inheritedSim ?? sim?.url;
      try {
        const config = opts.config
          ? loadConfig(opts.config, io.env)
          : demoConfig(simUrl!, { sqlitePath: '.aliasgate/demo-state.db' });
        if (opts.workers > 1 && cluster.isPrimary) {
          await runWorkers(ctx, opts.workers, simUrl);
        } else {
          await runGateway(ctx, config, opts, sim?.url);
        }
      } finally {
        await sim?.close();
      }
      ctx.exit(0);
    });
}

async function runGateway(
  ctx: CommandContext,
  config: Config,
  opts: ServeOptions,
  demoSimUrl?: string,
): Promise<void> {
  const gateway = createGateway(config);
  const { url } = await gateway.listen(opts.port ?? config.server.port, opts.host ?? config.server.host);
  ctx.io.stdout.write(`aliasgate listening on ${url}${cluster.isWorker ? ` (worker ${process.pid})` : ''}\n`);
  if (demoSimUrl) ctx.io.stdout.write(demoBanner(url, demoSimUrl));
  await ctx.io.untilStopped();
  await gateway.close();
  // a worker's channel to the primary would keep it alive
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** The primary only forks and waits: workers run the same command line and serve. */
async function runWorkers(ctx: CommandContext, count: number, simUrl: string | undefined): Promise<void> {
  const env = simUrl ? { [DEMO_SIM_URL]: simUrl } : {};
  const workers = Array.from({ length: count }, () => cluster.fork(env));
  if (simUrl) ctx.io.stdout.write(`demo mode: ${count} workers over the simulated fleet at ${simUrl}\n`);
  let stopping = false;
  for (const worker of workers) {
    worker.on('exit', (code) => {
      if (!stopping) ctx.io.stderr.write(`aliasgate: worker ${worker.process.pid} exited with ${code}\n`);
    });
  }
  await ctx.io.untilStopped();
  stopping = true;
  await Promise.all(
    workers
      .filter((w) => !w.isDead())
      .map((w) => {
        w.kill('SIGTERM');
        return once(w, 'exit');
      }),
  );
}

function integerIn(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be ${min}..${max}, got ${value}`);
  return n;
}

function demoBanner(url: string, simUrl: string): string {
  return `demo mode: simulated Gemini fleet at ${simUrl}; gemini-3.5-flash has a dead backing build taking 68% of traffic
try:
  curl -s ${url}/v1beta/models | head -40
  for i in $(seq 1 25); do curl -s -o /dev/null -w '%{http_code} %header{x-aliasgate-target}\\n' \\
    ${url}/v1beta/models/gemini-3.5-flash:generateContent -H 'content-type: application/json' \\
    -d '{"contents":[{"parts":[{"text":"hi"}]}]}'; done
  node bin/aliasgate.js status --url ${url}
`;
}
