import { Command, CommanderError } from 'commander';
import { isConfigError, isUsageError } from '../errors.js';
import { type CliIO, type CommandContext, type ExitStatus, processIO } from './io.js';
import { lifecycleCommands } from './lifecycle.js';
import { operatorCommands } from './operator.js';
import { probeCommand } from './probe.js';
import { serveCommand } from './serve.js';
import { simCommand } from './sim.js';

/**
 * The aliasgate program. Commands are thin: parse → validate → engine → exit status.
 * Only bin/aliasgate.js turns the returned status into the process's exit code.
 */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let status: ExitStatus = 0;
  const ctx: CommandContext = {
    io,
    exit: (s) => {
      status = s;
    },
  };
  const program = new Command('aliasgate')
    .description('Keeps LLM model aliases working when the builds behind them break.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showSuggestionAfterError();
  for (const command of [
    serveCommand(ctx),
    probeCommand(ctx),
    simCommand(ctx),
    ...operatorCommands(ctx),
    ...lifecycleCommands(ctx),
  ]) {
    program.addCommand(command.copyInheritedSettings(program));
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not errors; commander has printed them already
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return 0;
      }
      return 2;
    }
    if (isUsageError(e) || isConfigError(e)) {
      io.stderr.write(`aliasgate: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`aliasgate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export const VERSION = '0.1.0';
