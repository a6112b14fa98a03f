import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { startSimulator } from '../sim/server.js';
import type { CommandContext } from './io.js';

/** Default port of `aliasgate sim` (the gateway's examples use 8787 for itself). */
export const DEFAULT_SIM_PORT = 8788;

interface SimFlags {
  scenario?: string;
  seed?: string;
  host: string;
  port: string;
}

/**
 * `aliasgate sim`: runs the simulated Gemini fleet (default: the gemini-3.5-flash incident) until
 * SIGINT/SIGTERM. A bad scenario throws ConfigError, which main() prints as one line, exit 2.
 */
export function simCommand(ctx: CommandContext): Command {
  return new Command('sim')
    .description('run a simulated Gemini API fleet (default scenario: the gemini-3.5-flash alias incident)')
    .option('--scenario <file>', 'scenario file, YAML or JSON (default: scenarios/incident.yaml)')
    .option('--seed <n>', 'seed for load balancing, failure rates and latency (default: the scenario’s)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port, 0 for any free one', String(DEFAULT_SIM_PORT))
    .action(async (flags: SimFlags) => {
      // listen for the stop signal before saying we are up: a SIGTERM right after the banner must stop us cleanly
      const stopped = ctx.io.untilStopped();
      const sim = await startSimulator({
        ...(flags.scenario !== undefined ? { scenario: flags.scenario } : {}),
        ...(flags.seed !== undefined ? { seed: integer('--seed', flags.seed, -(2 ** 31), 2 ** 32 - 1) } : {}),
        host: flags.host,
        port: integer('--port', flags.port, 0, 65535),
      });
      const models = sim.scenario.models;
      const listing = Object.entries(models)
        .map(([id, m]) => (m.builds && m.builds.length > 1 ? `${id} (${m.builds.length} builds)` : id))
        .join(', ');
      ctx.io.stdout.write(`aliasgate sim: ${sim.url} seed ${sim.seed} models: ${listing}\n`);
      await stopped;
      await sim.close();
      ctx.exit(0);
    });
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
