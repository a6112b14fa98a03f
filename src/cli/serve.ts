import { Command, Option } from 'commander';
import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { createGateway } from '../gateway.js';
import { startSimulator } from '../sim/server.js';
import type { CommandContext } from './io.js';

/**
 * `aliasgate serve [--config FILE] [--host H] [--port P]`. With no config: demo mode — the built-in simulated fleet
 * with the incident behind it, on loopback, and a config that shows provider mode and client mode side by side.
 */
export function serveCommand(ctx: CommandContext): Command {
  return new Command('serve')
    .description('run the gateway (demo mode over the simulated incident fleet when no --config is given)')
    .option('-c, --config <file>', 'gateway config (YAML)')
    .option('--host <host>', 'listen address (overrides server.host)')
    .addOption(
      new Option('-p, --port <port>', 'listen port (overrides server.port; 0 picks a free one)').argParser(
        parsePort,
      ),
    )
    .action(async (opts: { config?: string; host?: string; port?: number }) => {
      const { io } = ctx;
      const sim = opts.config ? undefined : await startSimulator({});
      try {
        const config = opts.config
          ? loadConfig(opts.config, io.env)
          : demoConfig(sim!.url, { sqlitePath: '.aliasgate/demo-state.db' });
        const gateway = createGateway(config);
        const { url } = await gateway.listen(
          opts.port ?? config.server.port,
          opts.host ?? config.server.host,
        );
        io.stdout.write(`aliasgate listening on ${url}\n`);
        if (sim) io.stdout.write(demoBanner(url, sim.url));
        await io.untilStopped();
        await gateway.close();
      } finally {
        await sim?.close();
      }
      ctx.exit(0);
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got ${value}`);
  return port;
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
