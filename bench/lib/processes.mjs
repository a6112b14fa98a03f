import { fork } from 'node:child_process';
import { connect, createServer } from 'node:net';

/**
 * Each server under test runs in a process of its own, so its CPU time can be read from /proc without the load
 * generator's or another server's mixed in. Launchers are small .mjs files that say `{type: 'ready', url}` over
 * the IPC channel once they listen, and answer `{type: 'memory'}` / `{type: 'close'}` where that makes sense.
 */

const READY_TIMEOUT_MS = 60_000;

/**
 * Forks a launcher and resolves once it is listening.
 * @param {string} script path of the launcher
 * @param {string[]} args its argv
 * @param {{ execArgv?: string[], env?: Record<string, string>, name?: string }} [opts]
 */
export function launch(script, args = [], opts = {}) {
  const child = fork(script, args, {
    execArgv: opts.execArgv ?? [],
    env: { ...process.env, ...(opts.env ?? {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const name = opts.name ?? script;
  let exited = false;
  let nextId = 1;
  const waiting = new Map();
  child.on('message', (msg) => {
    const pending = waiting.get(msg?.id);
    if (!pending) return;
    waiting.delete(msg.id);
    pending.resolve(msg);
  });
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const pending of waiting.values()) pending.reject(new Error(`${name} exited (${code ?? signal})`));
      waiting.clear();
      resolve({ code, signal });
    });
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.on('message', (msg) => {
      if (msg?.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      }
    });
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (${code ?? signal})`));
    });
  });
  return ready.then((msg) => ({
    name,
    pid: child.pid,
    url: msg.url,
    info: msg,
    get alive() {
      return !exited;
    },
    /** Sends a message and resolves with the launcher's answer to it. */
    ask(message) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`${name} is not running`));
        waiting.set(id, { resolve, reject });
        child.send({ ...message, id });
      });
    },
    /** Asks for a clean exit (so `--cpu-prof` writes its profile), and kills it if that takes too long. */
    async stop(timeoutMs = 5000) {
      if (exited) return exit;
      child.send({ type: 'close', id: 0 });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  }));
}

/** A TCP port nothing listens on right now (for servers that cannot be told to pick one, like nginx). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port. */
export async function waitForPort(port, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Follows a spawned process's output: each whole stdout line to `onLine`, and the last `keep` characters of stderr
 * (for the error message when it fails to start).
 * @returns {{ readonly stderr: string }}
 */
export function followOutput(child, onLine, keep = 4000) {
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr.setEncoding('utf8').on('data', (text) => {
    stderr = (stderr + text).slice(-keep);
  });
  return {
    get stderr() {
      return stderr;
    },
  };
}
