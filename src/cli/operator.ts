import type { Command } from 'commander';
import type { CommandContext } from './io.js';

// placeholder replaced by the gateway work (issue 3): status, pull, restore
export function operatorCommands(_ctx: CommandContext): Command[] {
  return [];
}
