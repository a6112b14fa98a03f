import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitForPort } from './processes.mjs';

/**
 * A redis-server of the benchmark's own for the fleet section, as the fleet test starts one: a free loopback port
 * (never 6379, where a real one may live), no persistence. Optional like nginx: without it the section is skipped.
 */

/** The redis-server binary: ALIASGATE_REDIS_SERVER, or the first on the PATH; undefined with BENCH_REDIS=off. */
export function findRedisServer() {
  if (process.env.BENCH_REDIS === 'off') return undefined;
  const configured = process.env.ALIASGATE_REDIS_SERVER;
  if (configured) return existsSync(configured) ? configured : undefined;
  return (process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'redis-server'))
    .find((path) => existsSync(path));
}

/**
 * @param {string} binary
 * @returns {Promise<{ pid: number, port: number, url: string, commandsProcessed(): Promise<number>, stop(): Promise<void> }>}
 */
export async function startRedisServer(binary) {
  let port = await freePort();
  while (port === 6379) port = await freePort();
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exit = new Promise((resolve) => child.once('exit', resolve));
  await Promise.race([
    waitForPort(port),
    exit.then(() => {
      throw new Error(`redis-server exited before it listened on ${port}`);
    }),
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return {
    pid: child.pid,
    port,
    url,
    /** `total_commands_processed` from INFO stats: how many commands every client has sent so far. */
    async commandsProcessed() {
      if (probe.status === 'wait') await probe.connect();
      const info = await probe.info('stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    },
    async stop() {
      probe.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
