import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { followOutput } from './processes.mjs';
import { BENCH } from './upstream.mjs';

/**
 * Fleet replicas as an operator runs them: `aliasgate serve --config FILE`, one process each, logging at info. Their
 * pino lines are the record of what each decided and when (`ejected`, `ejected_adopted`, `health_check`), stamped
 * by one machine's clock, so times from different replicas can be subtracted.
 */

const BIN = join(BENCH, '..', 'bin', 'aliasgate.js');
const START_TIMEOUT_MS = 30_000;

/**
 * @typedef {{ event: string, alias?: string, model?: string, time: number }} LogEvent
 * @typedef {{ name: string, pid: number, url: string, events: LogEvent[],
 *   firstAt(event: string, alias: string): number | undefined, stop(): Promise<void> }} Replica
 */

/**
 * Starts one replica and resolves once it says where it listens.
 * @param {string} configPath a config whose server.port and admin.port are 0
 * @param {string} name for messages
 * @returns {Promise<Replica>}
 */
export function startReplica(configPath, name) {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events = [];
  const first = new Map();
  let said = () => {};
  const onLine = (line) => {
    if (!line.startsWith('{')) {
      const url = /listening on (\S+?);/.exec(line)?.[1];
      if (url) said(url);
      return;
    }
    const entry = parseEvent(line);
    if (!entry) return;
    events.push(entry);
    const key = `${entry.event}|${entry.alias}`;
    if (!first.has(key)) first.set(key, entry.time);
  };
  const output = followOutput(child, onLine);
  const exit = new Promise((resolve) => child.once('exit', resolve));
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    said = (url) => {
      clearTimeout(timer);
      resolve(url);
    };
    exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it listened: ${output.stderr}`));
    });
  });
  return listening.then((url) => ({
    name,
    pid: child.pid,
    url,
    events,
    /** pino time (ms) of the first `event` line about `alias`, or undefined. */
    firstAt: (event, alias) => first.get(`${event}|${alias}`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  }));
}

/** The fields of a log line the fleet section reads; undefined for lines without an event. */
function parseEvent(line) {
  try {
    const { event, alias, model, time } = JSON.parse(line);
    return typeof event === 'string' ? { event, alias, model, time } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts every replica (in parallel) and stops them all if one fails. */
export async function startReplicas(specs) {
  const started = await Promise.allSettled(specs.map((s) => startReplica(s.configPath, s.name)));
  const replicas = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopReplicas(replicas);
    throw failed.reason;
  }
  return replicas;
}

export async function stopReplicas(replicas) {
  await Promise.all(replicas.map((r) => r.stop().catch(() => {})));
}
