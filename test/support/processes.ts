import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  /** The first match of the `ready` pattern in stdout. */
  ready: RegExpExecArray;
  /** The process's id (to read its memory from /proc, say). */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and waits for the process to end. */
  stop(): Promise<Finished>;
}

interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const started = new Set<ChildProcess>();

/** npm settings from the environment that say where things are; a nested npm needs the same. */
const NPM_LOCATIONS =
  /^npm_config_(cache|registry|userconfig|globalconfig|cafile|nodedir|proxy|https_proxy|noproxy)$/i;

/**
 * The environment a user's shell would give: without the rest of the npm_* variables of an `npm test` that may
 * be running this suite (a nested npm would take its prefix and package for its own) or the runner's NODE_OPTIONS.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((!/^npm_/i.test(key) || NPM_LOCATIONS.test(key)) && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

/** Runs a command to its end, capturing what it prints. */
export async function run(file: string, args: string[], options: SpawnOptions): Promise<Finished> {
  const child = track(spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] }));
  const out = capture(child);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

/** Starts a long-running command and resolves once its stdout matches `ready`; rejects if it ends before. */
export async function start(
  file: string,
  args: string[],
  options: SpawnOptions,
  ready: RegExp,
): Promise<Running> {
  const child = track(spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] }));
  const out = capture(child);
  const closed = once(child, 'close') as Promise<[number | null]>;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = ready.exec(out.stdout());
      if (m) resolve(m);
    };
    child.stdout!.on('data', check);
    closed.then(
      ([code]) =>
        reject(
          new Error(
            `${file} ${args.join(' ')} exited ${code} before ${ready}:\n${out.stdout()}${out.stderr()}`,
          ),
        ),
      reject,
    );
  });
  return {
    ready: match,
    pid: child.pid!,
    stdout: out.stdout,
    stderr: out.stderr,
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = await closed;
      return { code, stdout: out.stdout(), stderr: out.stderr() };
    },
  };
}

/** Ends whatever a failed test left running. */
export function killStarted(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('close', () => started.delete(child));
  return child;
}

function capture(child: ChildProcess): { stdout(): string; stderr(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return { stdout: () => stdout, stderr: () => stderr };
}
