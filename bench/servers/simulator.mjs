import { readFileSync } from 'node:fs';
import { startSimulator } from '../../dist/sim/server.js';
import { announce } from './ipc.mjs';

/**
 * The simulated Gemini fleet (src/sim) in a process of its own, so that its cost does not land on the gateway.
 *
 *   node bench/servers/simulator.mjs [scenario.json | -] [seed]
 *
 * With no scenario file (or `-`) it serves the incident (scenarios/incident.yaml). Stats and build changes go through
 * its own admin API (GET /_sim/stats, POST /_sim/reset-stats, POST /_sim/builds/<build>).
 */
const [scenarioPath, seed] = process.argv.slice(2);
const sim = await startSimulator({
  ...(scenarioPath && scenarioPath !== '-'
    ? { scenario: JSON.parse(readFileSync(scenarioPath, 'utf8')) }
    : {}),
  ...(seed ? { seed: Number(seed) } : {}),
});
announce(sim.url, { close: () => sim.close() });
