import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { configFromObject } from '../../dist/config/load.js';
import { createGateway } from '../../dist/gateway.js';
import { announce } from './ipc.mjs';

/**
 * aliasgate under test, built the way `aliasgate serve` builds it (`createGateway` from dist/), in a process of
 * its own.
 *
 *   node [--expose-gc] bench/servers/gateway.mjs <config.json> [workers]
 *
 * workers > 1 runs that many gateway processes behind one port with node:cluster (the primary only hands out
 * connections); each worker keeps its own health view, as separate replicas would without a shared store.
 * Over IPC it answers `{type: 'memory'}` with process.memoryUsage() after GC (single process only).
 */
const [configPath, workersArg] = process.argv.slice(2);
const workers = Number(workersArg ?? 1);

async function startOne(port) {
  const config = configFromObject(JSON.parse(readFileSync(configPath, 'utf8')));
  const startedAt = performance.now();
  const gateway = createGateway(config);
  const address = await gateway.listen(port, '127.0.0.1');
  return { gateway, address, startupMs: performance.now() - startedAt };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

if (workers <= 1) {
  const configStart = performance.now();
  const { gateway, address, startupMs } = await startOne(0);
  announce(address.url, {
    info: { startupMs, configMs: performance.now() - configStart },
    close: () => gateway.close(),
  });
} else if (cluster.isPrimary) {
  const port = await freePort();
  let listening = 0;
  cluster.on('listening', () => {
    listening++;
    if (listening === workers) {
      announce(`http://127.0.0.1:${port}`, {
        info: { workers },
        close: async () => {
          for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
        },
      });
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork({ BENCH_GATEWAY_PORT: String(port) });
} else {
  const { gateway } = await startOne(Number(process.env.BENCH_GATEWAY_PORT));
  process.on('SIGTERM', () => gateway.close().then(() => process.exit(0)));
}
