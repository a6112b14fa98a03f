import { Command } from 'commander';
import type { CommandContext } from './io.js';

// placeholder replaced by the gateway work (issue 3)
export function serveCommand(_ctx: CommandContext): Command {
  return new Command('serve').description('run the gateway');
}
