import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the aliasgate program in-process, as a user would from a shell, capturing what it prints. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  /** For serve/sim: runs while the command is up, with what it has printed so far; the command stops after. */
  whileRunning?: (stdout: () => string) => Promise<void>,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env,
    // the command asks for its stop signal before it is up (as it must): run the test's part once it says it is
    untilStopped: () => (whileRunning ? upThen(() => stdout, whileRunning) : Promise.resolve()),
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

async function upThen(
  stdout: () => string,
  whileRunning: (stdout: () => string) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < 2000 && !/listening on|aliasgate sim: http/.test(stdout()); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return whileRunning(stdout);
}
