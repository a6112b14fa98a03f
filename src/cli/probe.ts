import { Command } from 'commander';
import type { CommandContext } from './io.js';

// placeholder: replaced by the probe work
export function probeCommand(_ctx: CommandContext): Command {
  return new Command('probe');
}
