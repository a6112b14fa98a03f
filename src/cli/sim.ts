import { Command } from 'commander';
import type { CommandContext } from './io.js';

// placeholder: replaced by the sim work
export function simCommand(_ctx: CommandContext): Command {
  return new Command('sim');
}
