import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import { startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { runCli } from '../support/cli.js';
import { HI, type Sim, targetState } from '../support/stack.js';

/**
 * Build rollouts against the simulator, driven as a release engineer drives them (the CLI against the admin API), on
 * an injected clock: the gateway's steps are judged when the test moves time, the traffic is real HTTP. The alias is
 * named unlike its builds, so nothing here passes by a name coincidence.
 */

const OLD = 'gemini-3.5-flash-001';
const NEW = 'gemini-3.5-flash-002';
const WORSE = 'gemini-3.5-flash-003';
const GONE = 'gemini-3.5-flash-004';
const ALIAS = 'team-flash';
const START = Date.parse('2026-12-01T10:00:00Z');

let dir: string;
let sim: Sim;
let gateway: Gateway | undefined;
let clock: ManualClock;
let url = '';
let adminUrl = '';
let configFile = '';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-rollout-'));
  configFile = join(dir, 'aliasgate.yaml');
  clock = new ManualClock(START);
  sim = await startSimulator({
    seed: 7,
    scenario: {
      models: {
        'gemini-3.5-flash': {
          builds: [
            { name: OLD, weight: 1 },
            { name: NEW, weight: 0 },
            // 10 points worse than the build it would join: one call in ten is a 503
            { name: WORSE, weight: 0, behaviour: { kind: 'transient', rate: 0.1 } },
            // built, never deployed: 404 Model not found
            { name: GONE, weight: 0, behaviour: { kind: 'dead' } },
          ],
        },
      },
    },
  });
  writeConfig();
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(targets: { model: string }[] = [{ model: OLD }]): void {
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      state: { sqlitePath: join(dir, 'state.db') },
      logging: { level: 'silent' },
      upstreams: { sim: { baseUrl: sim.url } },
      aliases: { [ALIAS]: { stage: 'ga', targets: targets.map((t) => ({ upstream: 'sim', ...t })) } },
    }),
  );
}

async function start(): Promise<void> {
  gateway = createGateway(loadConfig(configFile), {
    random: seededRandom(7),
    log: createLogger('silent'),
    clock,
    healthTickMs: 1e9,
    openAdmin: true,
    configPath: configFile,
    env: {},
  });
  ({ url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 }));
  await gateway.modelsLearned();
  sim.resetStats();
}

function cli(...args: string[]) {
  return runCli([...args, '--url', adminUrl]);
}

/** Sends `total` generateContent calls at `concurrency`; what clients saw, and which build served each. */
async function send(
  total: number,
  concurrency = 8,
): Promise<{ failures: string[]; served: Map<string, number> }> {
  const pool = new Pool(url, { connections: concurrency });
  const failures: string[] = [];
  const served = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const res = await pool.request({
          path: `/v1beta/models/${ALIAS}:generateContent`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: HI,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
        const target = String(res.headers['x-aliasgate-target']);
        served.set(target, (served.get(target) ?? 0) + 1);
      }
    }),
  );
  await pool.close();
  return { failures, served };
}

/** Moves the gateway's time on and lets the lease holder decide what is due. */
async function later(ms: number): Promise<void> {
  clock.advance(ms);
  await gateway!.lifecycle.tick();
}

interface Status {
  id: string;
  state: string;
  step: number;
  share: number;
  stopped?: string;
  history: string[];
  counts: {
    candidate: { requests: number; failures: number };
    baseline: { requests: number; failures: number };
  };
}

async function status(): Promise<Status> {
  const run = await cli('rollout', 'status', ALIAS, '--json');
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as Status[])[0]!;
}

function rolloutStart(model: string, ...extra: string[]) {
  return cli('rollout', 'start', ALIAS, model, '--upstream', 'sim', '--reason', 'new build', ...extra);
}

describe('aliasgate rollout', () => {
  it('of a dead build aborts after a few requests to it, with 0 client-visible failures', async () => {
    await start();
    const started = await rolloutStart(GONE, '--steps', '10,50,100', '--interval', '5m');
    expect(started.status, started.stderr).toBe(0);
    const { failures } = await send(300);
    expect(failures).toEqual([]);
    const s = await status();
    expect(s.state).toBe('failed');
    expect(s.stopped).toContain(
      `target fault on sim/${GONE}: 404 NOT_FOUND: Model not found: models/${GONE}`,
    );
    // it stopped at the first target fault: only the requests already on their way reached it
    const reached = sim.stats().requests.byBuild[GONE] ?? 0;
    expect(reached).toBeGreaterThanOrEqual(1);
    expect(reached).toBeLessThanOrEqual(8);
    // and the build is off the alias: no request reaches it any more
    sim.resetStats();
    expect((await send(100)).failures).toEqual([]);
    expect(sim.stats().requests.byBuild[GONE] ?? 0).toBe(0);

    // the incident report says what was compared and why it stopped
    const report = await cli('incidents', 'report', `rollout:${s.id}`);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain(`# Rollout of \`${GONE}\` to \`${ALIAS}\` failed at step 1/3 (10%)`);
    expect(report.stdout).toContain('## What was compared');
    expect(report.stdout).toContain(`Model not found: models/${GONE}`);
    expect(report.stdout).toContain(`curl -s "${sim.url}/v1beta/models/${GONE}:generateContent"`);
  });

  it('of a build 10 points worse than the rest aborts at the first step with enough data', async () => {
    await start();
    expect(
      (await rolloutStart(WORSE, '--steps', '20,50,100', '--interval', '10s', '--min-requests', '150'))
        .status,
    ).toBe(0);
    const { failures } = await send(1200);
    expect(failures).toEqual([]); // its 503s were retried on the old build
    await later(10_000);
    const s = await status();
    expect(s.state).toBe('failed');
    expect(s.step).toBe(0);
    expect(s.stopped).toMatch(/^step 1\/3: fail, worse than the baseline; candidate \d+\/\d+ failed/);
    expect(s.counts.candidate.requests).toBeGreaterThanOrEqual(150);
    const audit = JSON.parse((await cli('audit', '--json')).stdout) as {
      entries: { action: string; reason: string }[];
    };
    expect(audit.entries.find((e) => e.action === 'rollout' && e.reason.includes('failed'))?.reason).toMatch(
      /p = /,
    );
  });

  it('of a healthy build with --replace reaches 100%, drains and pulls the old build, and no request is lost', async () => {
    await start();
    expect(
      (
        await rolloutStart(
          NEW,
          '--replace',
          OLD,
          '--steps',
          '10,50,100',
          '--interval',
          '10s',
          '--min-requests',
          '40',
        )
      ).status,
    ).toBe(0);
    const failures: string[] = [];
    const served = new Map<string, number>();
    const traffic = async (n: number) => {
      const r = await send(n);
      failures.push(...r.failures);
      for (const [k, v] of r.served) served.set(k, (served.get(k) ?? 0) + v);
      return r.served;
    };
    // step 1 (10%): enough traffic for 40 requests to the new build, then the step is judged
    const first = await traffic(600);
    expect(first.get(`sim/${NEW}`)).toBeGreaterThan(30);
    expect(first.get(`sim/${NEW}`)).toBeLessThan(110);
    await later(10_000);
    expect(await status()).toMatchObject({ state: 'running', step: 1, share: 0.5 });
    const second = await traffic(300);
    expect(second.get(`sim/${NEW}`)).toBeGreaterThan(100);
    await later(10_000);
    expect(await status()).toMatchObject({ state: 'running', step: 2, share: 1 });
    const third = await traffic(200);
    expect(third.get(`sim/${OLD}`) ?? 0).toBe(0);
    // the 100% step ends; the old build has had its share 0, and is pulled once nothing is in flight to it
    const during = traffic(400); // traffic keeps flowing through the promotion and the drain
    await later(10_000);
    expect((await status()).state).toBe('draining');
    await later(2_000);
    await during;
    expect((await status()).state).toBe('succeeded');
    expect(targetState({ gateway: gateway! } as never, ALIAS, OLD)).toBe('pulled');
    await traffic(100);
    expect(failures).toEqual([]);
    const s = await status();
    expect(s.history.join('\n')).toMatch(/step 1\/3: pass/);
    expect(s.history.join('\n')).toContain(`${OLD} drained and pulled`);
  });

  it('resumes at the same step after a restart mid-rollout', async () => {
    await start();
    expect(
      (await rolloutStart(NEW, '--steps', '10,50,100', '--interval', '10s', '--min-requests', '30')).status,
    ).toBe(0);
    await send(500);
    await later(10_000);
    expect(await status()).toMatchObject({ state: 'running', step: 1 });
    await gateway!.close();
    gateway = undefined;
    await start();
    expect(await status()).toMatchObject({ state: 'running', step: 1, share: 0.5 });
    const { served, failures } = await send(400);
    expect(failures).toEqual([]);
    const share = (served.get(`sim/${NEW}`) ?? 0) / 400;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
  });

  it('pause holds the share; abort takes it to 0 at once; a second rollout on the alias is refused while one runs', async () => {
    await start();
    expect(
      (await rolloutStart(NEW, '--steps', '10,50,100', '--interval', '10s', '--min-requests', '1')).status,
    ).toBe(0);
    const again = await rolloutStart(WORSE, '--interval', '10s');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already has a rollout');
    expect((await cli('rollout', 'pause', ALIAS, '--reason', 'lunch')).status).toBe(0);
    await send(200);
    await later(60_000);
    expect(await status()).toMatchObject({ state: 'paused', step: 0 });
    expect((await cli('rollout', 'abort', ALIAS, '--reason', 'changed my mind')).status).toBe(0);
    expect((await status()).state).toBe('aborted');
    sim.resetStats();
    expect((await send(100)).failures).toEqual([]);
    expect(sim.stats().requests.byBuild[NEW] ?? 0).toBe(0);
  });
});

describe('aliasgate drain and retire', () => {
  it('retire refuses while the build is in rotation; a drain takes it out; then it is retired and stays out', async () => {
    writeConfig([{ model: OLD }, { model: NEW }]);
    await start();
    const refused = await cli('retire', OLD, '--upstream', 'sim', '--reason', 'old');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`sim/${OLD} is still routed to by ${ALIAS}`);

    const drain = await cli('drain', ALIAS, OLD, '--over', '20s', '--reason', 'replaced by 002');
    expect(drain.status, drain.stderr).toBe(0);
    expect(drain.stdout).toContain('from 50% to 0 over 20s, then pulled');
    const early = await send(400);
    await later(10_000); // half way: its share is down to about 25%
    const half = await send(400);
    const shareOf = (m: Map<string, number>) => (m.get(`sim/${OLD}`) ?? 0) / 400;
    expect(shareOf(half.served)).toBeLessThan(shareOf(early.served));
    expect(shareOf(half.served)).toBeGreaterThan(0.1);
    await later(10_000);
    await later(2_000);
    expect(targetState({ gateway: gateway! } as never, ALIAS, OLD)).toBe('pulled');
    const after = await send(200);
    expect([...early.failures, ...half.failures, ...after.failures]).toEqual([]);
    expect(after.served.get(`sim/${OLD}`) ?? 0).toBe(0);

    expect((await cli('retire', OLD, '--upstream', 'sim', '--reason', 'decommissioned')).status).toBe(0);
    // a rollout may not bring it back, nor a reload that still lists it, without --force
    const rollout = await rolloutStart(OLD, '--interval', '10s');
    expect(rollout.status).toBe(1);
    expect(rollout.stderr).toContain('was retired');
    await cli('restore', ALIAS, OLD, '--reason', 'oops');
    expect(targetState({ gateway: gateway! } as never, ALIAS, OLD)).toBe('pulled'); // retired: still out
    const reload = await cli('reload');
    expect(reload.status).toBe(1);
    expect(reload.stderr).toContain(`sim/${OLD} (aliases ${ALIAS}) was retired`);
    const forced = await cli('reload', '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(targetState({ gateway: gateway! } as never, ALIAS, OLD)).toBe('in_rotation');
  });
});
