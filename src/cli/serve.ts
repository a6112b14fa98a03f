import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createGateway } from '../gateway.js';
import { startSimulator } from '../sim/server.js';
import { createLogger, type Logger, prettyDestination } from '../telemetry/log.js';
import type { CommandContext, ExitStatus } from './io.js';

interface ServeOptions {
  config?: string;
  host?: string;
  port?: number;
  adminPort?: number;
  workers: number;
}

/** The demo fleet's URL, handed from the primary to its workers so they share one simulator. */
const DEMO_SIM_URL = 'ALIASGATE_DEMO_SIM_URL';

/**
 * `aliasgate serve [--config FILE] [--host H] [--port P] [--workers N]`. With no config: demo mode — the built-in
 * simulated fleet with the incident behind it, on loopback, and a config that shows provider mode and client mode
 * side by side. With `--workers N`, N processes share the port (node:cluster); the primary replaces a worker that
 * dies and gives up (exit 1) when they keep dying.
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
      new Option(
        '--admin-port <port>',
        'admin listener port (overrides admin.port; 0 picks a free one)',
      ).argParser((v) => integerIn('--admin-port', v, 0, 65535)),
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
      let status: ExitStatus = 0;
      try {
        const config = opts.config
          ? loadConfig(opts.config, io.env)
          : demoConfig(simUrl!, { sqlitePath: '.aliasgate/demo-state.db' });
        if (opts.workers > 1 && cluster.isPrimary) {
          status = await runWorkers(ctx, opts.workers, simUrl, createLogger(config.logging.level));
        } else {
          await runGateway(ctx, config, opts, simUrl !== undefined, sim?.url);
        }
      } finally {
        await sim?.close();
      }
      ctx.exit(status);
    });
}

async function runGateway(
  ctx: CommandContext,
  config: Config,
  opts: ServeOptions,
  demo: boolean,
  demoSimUrl?: string,
): Promise<void> {
  const log = createLogger(config.logging.level, logDestination(ctx));
  // listen for the stop signal before saying we are up: a SIGTERM right after the banner must stop us cleanly
  const stopped = ctx.io.untilStopped();
  const gateway = createGateway(config, {
    log,
    openAdmin: demo,
    ...(opts.config ? { configPath: opts.config, env: ctx.io.env } : {}),
    // a reload asked of one worker's admin API is passed on: the primary signals the others
    ...(cluster.isWorker ? { onReloaded: () => process.send?.({ aliasgate: 'reload' }) } : {}),
  });
  // SIGHUP reloads the config, as for nginx and HAProxy (and no longer ends the process, its default)
  const onHangup = () => void gateway.reload('signal');
  process.on('SIGHUP', onHangup);
  // last resort: a bug must be logged and the gateway keep serving, never die on an unhandled rejection
  const onRejection = (reason: unknown) =>
    log.error({ err: reason }, 'unhandled rejection (a bug): still serving');
  process.on('unhandledRejection', onRejection);
  try {
    const { url, adminUrl } = await gateway.listen(
      opts.port ?? config.server.port,
      opts.host ?? config.server.host,
      opts.adminPort === undefined ? {} : { port: opts.adminPort },
    );
    const worker = cluster.isWorker ? ` (worker ${process.pid})` : '';
    ctx.io.stdout.write(`aliasgate listening on ${url}${worker}; admin API and dashboard on ${adminUrl}\n`);
    if (gateway.generatedAdminToken && !cluster.isWorker) {
      // printed once, like Jupyter's token URL: opening it sets the dashboard's cookie and drops the token from the URL
      ctx.io.stdout.write(`dashboard: ${adminUrl}/dashboard?token=${gateway.generatedAdminToken}\n`);
    }
    if (demoSimUrl) ctx.io.stdout.write(demoBanner(url, adminUrl, demoSimUrl));
    await stopped;
    await gateway.close();
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('SIGHUP', onHangup);
  }
  // a worker's channel to the primary would keep it alive
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** Deaths within this window that make the primary give up rather than restart workers for ever. */
const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES = 5;

/**
 * The primary only forks, replaces, and waits: workers run the same command line and serve. A worker that dies is
 * replaced after a backoff (100 ms, doubling, at most 5 s); when MAX_CRASHES die within a minute something is wrong
 * that a restart will not fix, and the primary stops the rest and exits 1.
 */
async function runWorkers(
  ctx: CommandContext,
  count: number,
  simUrl: string | undefined,
  log: Logger,
): Promise<ExitStatus> {
  const stopped = ctx.io.untilStopped();
  const env = simUrl ? { [DEMO_SIM_URL]: simUrl } : {};
  const workers = new Set<Worker>();
  const deaths: number[] = [];
  let stopping = false;
  let gaveUp = false;
  let backoff = 100;
  let wake: (() => void) | undefined;
  const fork = () => {
    const worker = cluster.fork(env);
    workers.add(worker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && now - deaths[0]! > CRASH_WINDOW_MS) deaths.shift();
      if (deaths.length >= MAX_CRASHES) {
        log.error({ event: 'workers_crashing', deaths: deaths.length }, 'workers keep dying; giving up');
        gaveUp = true;
        wake?.();
        return;
      }
      log.error(
        { event: 'worker_died', pid: worker.process.pid, code, signal, restartInMs: backoff },
        'worker died',
      );
      setTimeout(fork, backoff);
      backoff = Math.min(backoff * 2, 5000);
    });
    worker.on('listening', () => {
      backoff = 100;
    });
  };
  const hangUp = (except?: Worker) => {
    for (const w of workers) if (w !== except && !w.isDead()) w.process.kill('SIGHUP');
  };
  const onHangup = () => hangUp();
  process.on('SIGHUP', onHangup);
  cluster.on('message', (from, message: { aliasgate?: string }) => {
    if (message?.aliasgate === 'reload') hangUp(from);
  });
  for (let i = 0; i < count; i++) fork();
  if (simUrl) ctx.io.stdout.write(`demo mode: ${count} workers over the simulated fleet at ${simUrl}\n`);
  await Promise.race([stopped, new Promise<void>((resolve) => (wake = resolve))]);
  stopping = true;
  process.off('SIGHUP', onHangup);
  await Promise.all(
    [...workers]
      .filter((w) => !w.isDead())
      .map((w) => {
        w.kill('SIGTERM');
        return once(w, 'exit');
      }),
  );
  return gaveUp ? 1 : 0;
}

/** Pretty lines when a person watches the terminal; JSON for everything else (a file, a pipe, a log shipper). */
function logDestination(ctx: CommandContext) {
  return ctx.io.stdout === process.stdout && process.stdout.isTTY ? prettyDestination() : undefined;
}

function integerIn(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be ${min}..${max}, got ${value}`);
  return n;
}

function demoBanner(url: string, adminUrl: string, simUrl: string): string {
  return `demo mode: simulated Gemini fleet at ${simUrl}; gemini-3.5-flash has a dead backing build taking 68% of traffic
try:
  curl -s ${url}/v1beta/models | head -40
  for i in $(seq 1 25); do curl -s -o /dev/null -w '%{http_code} %header{x-aliasgate-target}\\n' \\
    ${url}/v1beta/models/gemini-3.5-flash:generateContent -H 'content-type: application/json' \\
    -d '{"contents":[{"parts":[{"text":"hi"}]}]}'; done
  node bin/aliasgate.js status --url ${adminUrl}
  open ${adminUrl}/dashboard
`;
}
