import { readFileSync } from 'node:fs';
import { configFromObject } from '../../dist/config/load.js';
import { createGateway } from '../../dist/gateway.js';
import { announce } from './ipc.mjs';

/**
 * aliasgate under test, built the way `aliasgate serve` builds it (`createGateway` from dist/), in a process of
 * its own, with an IPC channel for the benchmark: it says where it listens (and its admin listener) and how long
 * config + start took,
 * answers `{type: 'memory'}` with process.memoryUsage() after GC (run it with --expose-gc), and exits cleanly on
 * `{type: 'close'}` so that `--cpu-prof` writes its profile.
 *
 *   node --expose-gc bench/servers/gateway.mjs <config.json>
 */
const started = performance.now();
const config = configFromObject(JSON.parse(readFileSync(process.argv[2], 'utf8')));
const gateway = createGateway(config);
const { url, adminUrl } = await gateway.listen(0, '127.0.0.1');
announce(url, { info: { configMs: performance.now() - started, adminUrl }, close: () => gateway.close() });
