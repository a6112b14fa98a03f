import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/config/secret.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { seededRandom } from '../../src/random.js';
import { startSimulator } from '../../src/sim/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { runCli } from '../support/cli.js';
import { incidentConfig, load, type Sim } from '../support/stack.js';

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';
const HEALTHY = 'gemini-3.5-flash-001';
const PATH = '/v1beta/models/gemini-3.5-flash:generateContent';

let dir: string;
let sim: Sim;
let gateway: Gateway | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-op-'));
  sim = await startSimulator({ seed: 3 });
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

let adminUrl = '';

/** Starts the gateway with its state (and, without a configured admin token, its generated token) in `dir`. */
async function start(adminToken?: string): Promise<string> {
  const config = incidentConfig(sim.url, {
    state: { sqlitePath: join(dir, 'state.db') },
    ...(adminToken ? { auth: { adminToken } } : {}),
  });
  gateway = createGateway(config, { random: seededRandom(3), log: createLogger('silent') });
  const listening = await gateway.listen(0, '127.0.0.1', { port: 0 });
  adminUrl = listening.adminUrl;
  return listening.url;
}

/** The CLI as an operator on the gateway's machine runs it: the admin listener, and the token file beside the state. */
function admin(...args: string[]): string[] {
  return [...args, '--url', adminUrl, '--token-file', join(dir, 'admin-token')];
}

describe('aliasgate pull / restore', () => {
  it('pull stops traffic to the build at once, survives a restart, and restore undoes it; both are audited', async () => {
    let url = await start();
    // the healthy build is pulled: a pull beats health (it is the operator's word)
    const pulled = await runCli(
      admin('pull', 'gemini-3.5-flash', HEALTHY, '--reason', 'maintenance', '--by', 'ana'),
    );
    expect(pulled).toMatchObject({ status: 0 });
    expect(pulled.stdout).toContain('pull gemini-3.5-flash gemini-3.5-flash-001: done');
    sim.resetStats();
    await load(url, PATH, { total: 200, concurrency: 8 });
    expect(sim.stats().requests.byBuild[HEALTHY] ?? 0).toBe(0);

    await gateway!.close();
    url = await start();
    const status = await runCli(admin('status'));
    expect(status.stdout).toMatch(/sim\/gemini-3\.5-flash-001 .* pulled by ana/);
    sim.resetStats();
    await load(url, PATH, { total: 100, concurrency: 8 });
    expect(sim.stats().requests.byBuild[HEALTHY] ?? 0).toBe(0);

    const restored = await runCli(
      admin('restore', 'gemini-3.5-flash', HEALTHY, '--reason', 'done', '--by', 'ana'),
    );
    expect(restored.status).toBe(0);
    sim.resetStats();
    await load(url, PATH, { total: 100, concurrency: 8 });
    expect(sim.stats().requests.byBuild[HEALTHY] ?? 0).toBeGreaterThan(0);

    const audit = await runCli(admin('audit', '--json'));
    const entries = (
      JSON.parse(audit.stdout) as {
        entries: { action: string; actor: string; model: string; reason: string }[];
      }
    ).entries;
    const ops = entries.filter((e) => e.action === 'pull' || e.action === 'restore');
    expect(ops.map((e) => [e.action, e.actor, e.model, e.reason])).toEqual([
      ['restore', 'ana', HEALTHY, 'done'],
      ['pull', 'ana', HEALTHY, 'maintenance'],
    ]);
  });

  it('pulling the dead build fixes the alias with no change of model', async () => {
    const url = await start();
    expect((await runCli(admin('pull', 'gemini-3.5-flash', DEAD, '--reason', 'dead build'))).status).toBe(0);
    sim.resetStats();
    const result = await load(url, PATH, { total: 300, concurrency: 8, keepBodies: true });
    expect(result.failures).toEqual([]);
    expect(sim.stats().requests.byBuild[DEAD] ?? 0).toBe(0);
    expect(result.headers.every((h) => h['x-aliasgate-attempts'] === '1')).toBe(true);
  });

  it('an unknown alias or target is refused with a message naming what exists', async () => {
    await start();
    const run = await runCli(admin('pull', 'gemini-3.5-flash', 'no-such-build', '--reason', 'x'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('gemini-3.5-flash-001');
  });

  it('a change without a reason is refused, by the CLI and by the API, and nothing changes', async () => {
    await start();
    const run = await runCli(admin('pull', 'gemini-3.5-flash', HEALTHY));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("required option '--reason <text>'");
    const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    for (const reason of [undefined, '', '   ']) {
      const res = await fetch(`${adminUrl}/admin/pull`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          alias: 'gemini-3.5-flash',
          model: HEALTHY,
          ...(reason === undefined ? {} : { reason }),
        }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /reason(:| is) required/,
      );
    }
    const status = JSON.parse((await runCli(admin('status', '--json'))).stdout) as {
      aliases: { name: string; targets: { model: string; state: string }[] }[];
    };
    const flash = status.aliases.find((a) => a.name === 'gemini-3.5-flash')!;
    expect(flash.targets.find((t) => t.model === HEALTHY)?.state).toBe('in_rotation');
  });

  it('with an admin token configured, the admin API refuses calls without it', async () => {
    await start('s3cret-admin');
    const denied = await runCli(['status', '--url', adminUrl]);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('401');
    const allowed = await runCli(['status', '--url', adminUrl], { ALIASGATE_ADMIN_TOKEN: 's3cret-admin' });
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toContain('gemini-3.5-flash');
  });

  it('with only the token’s digest configured, the dashboard signs in with the token and a digest-made cookie is refused', async () => {
    const token = 'digest-only-admin-token';
    const config = incidentConfig(sim.url, {
      state: { sqlitePath: join(dir, 'state.db') },
      auth: { adminTokenSha256: hashSecret(token) },
    });
    gateway = createGateway(config, { random: seededRandom(3), log: createLogger('silent') });
    adminUrl = (await gateway.listen(0, '127.0.0.1', { port: 0 })).adminUrl;
    const signIn = await fetch(`${adminUrl}/dashboard?token=${token}`, { redirect: 'manual' });
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    expect(cookie).toMatch(/^aliasgate_admin=\d+\./);
    expect((await fetch(`${adminUrl}/admin/status`, { headers: { cookie } })).status).toBe(200);
    // what someone who read the config (the digest) but never had the token could make
    const expiry = String(Date.now() + 3_600_000);
    for (const key of [hashSecret(token), `aliasgate-session:${hashSecret(token)}`]) {
      const forged = `aliasgate_admin=${expiry}.${createHmac('sha256', key).update(expiry).digest('base64url')}`;
      expect((await fetch(`${adminUrl}/admin/status`, { headers: { cookie: forged } })).status).toBe(401);
    }
  });

  it('a gateway that is not running gives a one-line error', async () => {
    const run = await runCli(['status', '--url', 'http://127.0.0.1:9']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('cannot reach the gateway');
  });
});
