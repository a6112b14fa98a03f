import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import { startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { runCli } from '../support/cli.js';
import { incidentConfig, load, type Sim } from '../support/stack.js';

const UPSTREAM_KEY = 'sk-upstream-secret-123';
const CLIENT_KEY = 'client-secret-456';

let sim: Sim | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await sim?.close();
});

/** A pino destination that keeps what was logged, to read back as text. */
function logSink(): { sink: Writable; text: () => string } {
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  return { sink, text: () => logs };
}

describe('logs and metrics', () => {
  it('at debug level every request gets one access line: alias, target, attempts, status; no key', async () => {
    sim = await startSimulator({ seed: 2 });
    const { sink, text } = logSink();
    gateway = createGateway(incidentConfig(sim.url, { logging: { level: 'debug' } }), {
      random: seededRandom(2),
      log: createLogger('debug', sink),
    });
    const { url } = await gateway.listen(0, '127.0.0.1', { port: 0 });
    await load(url, `/v1beta/models/gemini-3.5-flash:generateContent?key=${CLIENT_KEY}`, {
      total: 10,
      concurrency: 1,
    });
    const lines = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'request');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({
      alias: 'gemini-3.5-flash',
      status: 200,
      target: 'sim/gemini-3.5-flash-001',
    });
    expect(text()).not.toContain(CLIENT_KEY);
  });

  it('ejections, health checks and operator actions are logged with the upstream message, and no key ever appears', async () => {
    sim = await startSimulator({ seed: 2 });
    const { sink, text } = logSink();
    const config = incidentConfig(sim.url, {
      upstreams: { sim: { baseUrl: sim.url, apiKey: UPSTREAM_KEY } },
      auth: { clientKeys: [{ name: 'team', key: CLIENT_KEY }] },
      health: { baseEjectionMs: 1, maxEjectionJitterMs: 0, healthCheck: { intervalMs: 1 } },
    });
    gateway = createGateway(config, {
      random: seededRandom(2),
      log: createLogger('info', sink),
      healthTickMs: 5,
      openAdmin: true,
    });
    const { url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 });
    await load(url, `/v1beta/models/gemini-3.5-flash:generateContent?key=${CLIENT_KEY}`, {
      total: 100,
      concurrency: 4,
    });
    await runCli(['pull', 'gemini-3.5-flash', 'gemini-3.5-flash-001', '--url', adminUrl, '--reason', 'test']);
    await new Promise((r) => setTimeout(r, 100));

    const lines = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ejected = lines.find((l) => l.event === 'ejected');
    expect(ejected).toMatchObject({ alias: 'gemini-3.5-flash', model: 'gemini-v4p1s-rev24-ajax-sentinel' });
    expect(String(ejected?.reason)).toContain('Model not found: models/gemini-v4p1s-rev24-ajax-sentinel');
    expect(lines.some((l) => l.event === 'health_check' && l.ok === false)).toBe(true);
    expect(lines.find((l) => l.event === 'pull')).toMatchObject({
      model: 'gemini-3.5-flash-001',
      reason: 'test',
    });
    expect(text()).not.toContain(UPSTREAM_KEY);
    expect(text()).not.toContain(CLIENT_KEY);

    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /aliasgate_ejections_enforced_total\{alias="gemini-3.5-flash",model="gemini-v4p1s-rev24-ajax-sentinel"\} [1-9]/,
    );
    expect(metrics).toMatch(/aliasgate_upstream_attempts_total\{[^}]*verdict="target_fault"\} [1-9]/);
    expect(metrics).not.toContain(UPSTREAM_KEY);
  });
});
