/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Resolves when the user asks a long-running command (serve, sim) to stop. */
  untilStopped(): Promise<void>;
}

export const processIO: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  untilStopped: () =>
    new Promise((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
};

/** Each command's action returns its exit status: 0 ok, 1 the check failed, 2 bad usage. */
export type ExitStatus = 0 | 1 | 2;

export interface CommandContext {
  io: CliIO;
  /** Records the action's exit status; main() returns it. */
  exit(status: ExitStatus): void;
}
