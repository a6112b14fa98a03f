import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
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
 * The operator's live changes on a running gateway, through the CLI as the person on call types it: a stage change
 * seen at once by the SDKs' models.get/list, the deprecation headers and the OpenAI list, kept across a restart; a
 * config reload under load; and an ejection episode written up as a bug report.
 */

const DEAD = 'gemini-v4p1s-rev24-ajax-sentinel';

let dir: string;
let sim: Sim;
let gateway: Gateway | undefined;
let url = '';
let adminUrl = '';
let configFile = '';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-live-'));
  configFile = join(dir, 'aliasgate.yaml');
  sim = await startSimulator({ seed: 5 });
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The incident fleet as a user writes it, one field per line (so errors can name a line). */
function writeConfig(aliases: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): void {
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    state: { sqlitePath: join(dir, 'state.db') },
    logging: { level: 'silent' },
    upstreams: { sim: { baseUrl: sim.url } },
    aliases: {
      'gemini-3.5-flash': {
        stage: 'ga',
        targets: [
          { upstream: 'sim', model: 'gemini-3.5-flash-001', weight: 32 },
          { upstream: 'sim', model: DEAD, weight: 68 },
        ],
        fallback: ['gemini-flash-latest'],
      },
      'gemini-flash-latest': { stage: 'ga', targets: [{ upstream: 'sim', model: 'gemini-flash-latest' }] },
      // named unlike the model it serves: the seam where alias names used to leak upstream
      'team-default': { stage: 'ga', targets: [{ upstream: 'sim', model: 'gemini-2.5-flash' }] },
      ...aliases,
    },
    ...extra,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
}

async function start(): Promise<void> {
  gateway = createGateway(loadConfig(configFile), {
    random: seededRandom(5),
    log: createLogger('silent'),
    configPath: configFile,
    env: {},
  });
  const listening = await gateway.listen(0, '127.0.0.1', { port: 0 });
  url = listening.url;
  adminUrl = listening.adminUrl;
}

async function restart(): Promise<void> {
  await gateway?.close();
  gateway = undefined;
  await start();
}

/** The CLI as an operator on the gateway's machine runs it: the admin listener, the token file beside the state. */
function cli(...args: string[]) {
  return runCli([...args, '--url', adminUrl, '--token-file', join(dir, 'admin-token')]);
}

async function generate(alias: string): Promise<{ status: number; target: string; headers: Headers }> {
  const res = await fetch(`${url}/v1beta/models/${alias}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: HI,
  });
  await res.text();
  return { status: res.status, target: res.headers.get('x-aliasgate-target') ?? '', headers: res.headers };
}

describe('aliasgate stage', () => {
  it('deprecates an alias at once for models.get/list, the headers and the OpenAI list; survives a restart; --reset undoes it', async () => {
    writeConfig();
    await start();
    const ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: url, apiVersion: 'v1beta' } });
    expect((await ai.models.get({ model: 'team-default' })).description).toBe('stage: ga');
    expect((await generate('team-default')).headers.get('deprecation')).toBeNull();

    const changed = await cli(
      'stage',
      'team-default',
      'deprecated',
      '--replacement',
      'gemini-3.5-flash',
      '--shutdown',
      '2027-03-31',
      '--reason',
      'build retired; move to 3.5',
      '--by',
      'ana',
    );
    expect(changed).toMatchObject({ status: 0 });
    expect(changed.stdout).toContain('stage team-default: deprecated');

    const seen = async () => {
      const model = await ai.models.get({ model: 'team-default' });
      const listed: Record<string, string | undefined> = {};
      for await (const m of await ai.models.list({ config: { pageSize: 2 } }))
        listed[m.name!] = m.description;
      const answer = await generate('team-default');
      const openai = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1beta/openai` });
      const ids: Record<string, unknown> = {};
      for await (const m of openai.models.list()) ids[m.id] = m;
      return { model, listed, answer, openai: ids };
    };
    const after = await seen();
    expect(after.model.description).toBe('stage: deprecated; use gemini-3.5-flash; shutdown 2027-03-31');
    expect(after.listed['models/team-default']).toBe(after.model.description);
    expect(after.answer.status).toBe(200);
    expect(after.answer.headers.get('deprecation')).toBe('true');
    expect(after.answer.headers.get('x-aliasgate-replacement')).toBe('gemini-3.5-flash');
    expect(after.answer.headers.get('sunset')).toBe('Wed, 31 Mar 2027 00:00:00 GMT');
    expect(after.answer.headers.get('warning')).toContain('team-default is deprecated; use gemini-3.5-flash');
    expect(after.openai['team-default']).toMatchObject({
      id: 'team-default',
      stage: 'deprecated',
      replacement: 'gemini-3.5-flash',
    });

    const audit = await cli('audit', '--json');
    const entries = (
      JSON.parse(audit.stdout) as { entries: { action: string; actor: string; reason: string }[] }
    ).entries;
    expect(entries.find((e) => e.action === 'stage')).toMatchObject({ actor: 'ana' });
    expect(entries.find((e) => e.action === 'stage')?.reason).toContain('build retired; move to 3.5');

    // the operator's word outlives the process
    await restart();
    const restarted = new GoogleGenAI({
      apiKey: 'unused',
      httpOptions: { baseUrl: url, apiVersion: 'v1beta' },
    });
    expect((await restarted.models.get({ model: 'team-default' })).description).toBe(
      'stage: deprecated; use gemini-3.5-flash; shutdown 2027-03-31',
    );

    expect(await cli('stage', 'team-default', '--reset', '--reason', 'rolled back')).toMatchObject({
      status: 0,
    });
    expect((await restarted.models.get({ model: 'team-default' })).description).toBe('stage: ga');
    expect((await generate('team-default')).headers.get('deprecation')).toBeNull();
  });

  it.each([
    [['team-default', 'deprecated'], /replacement/],
    [['team-default', 'retired'], /stage/],
    [['no-such-alias', 'preview'], /404: No alias no-such-alias/],
    [['team-default', 'deprecated', '--replacement', 'team-default'], /own replacement/],
    [['team-default', 'preview', '--shutdown', '31/12/2026'], /shutdown/],
    [['team-default'], /give a stage/],
  ])('refuses %j with a clear error and changes nothing', async (args, message) => {
    writeConfig();
    await start();
    const run = await cli('stage', ...args, '--reason', 'test');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
    const raw = (await (await fetch(`${url}/v1beta/models/team-default`)).json()) as { stage: string };
    expect(raw.stage).toBe('ga');
  });
});

describe('config reload', () => {
  it('a weight change and a new target take effect under load with 0 failed requests; the ejected build stays ejected', async () => {
    writeConfig();
    await start();
    // the dead build is found and ejected by real traffic
    for (let i = 0; i < 20; i++) expect((await generate('gemini-3.5-flash')).status).toBe(200);
    const stack = { gateway: gateway! } as Parameters<typeof targetState>[0];
    expect(targetState(stack, 'gemini-3.5-flash', DEAD)).toBe('ejected');

    const pool = new Pool(url, { connections: 8 });
    const failures: string[] = [];
    const targets = new Map<string, number>();
    let running = true;
    const worker = async (alias: string) => {
      while (running) {
        const res = await pool.request({
          path: `/v1beta/models/${alias}:generateContent`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: HI,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
        const target = String(res.headers['x-aliasgate-target']);
        targets.set(`${alias} ${target}`, (targets.get(`${alias} ${target}`) ?? 0) + 1);
      }
    };
    const load = [...Array.from({ length: 4 }, () => worker('team-default')), worker('gemini-3.5-flash')];

    // team-default gains a second target with all the weight; the incident alias keeps its targets, reweighted
    writeConfig({
      'gemini-3.5-flash': {
        stage: 'ga',
        targets: [
          { upstream: 'sim', model: 'gemini-3.5-flash-001', weight: 50 },
          { upstream: 'sim', model: DEAD, weight: 50 },
        ],
        fallback: ['gemini-flash-latest'],
      },
      'team-default': {
        stage: 'ga',
        targets: [
          { upstream: 'sim', model: 'gemini-2.5-flash', weight: 1 },
          { upstream: 'sim', model: 'gemini-3-flash-preview', weight: 1000 },
        ],
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    const reloaded = await cli('reload');
    expect(reloaded).toMatchObject({ status: 0 });
    expect(reloaded.stdout).toContain('config reloaded');
    const before = targets.get('team-default sim/gemini-3-flash-preview') ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(load);
    await pool.close();

    expect(failures).toEqual([]);
    expect(before).toBe(0);
    expect(targets.get('team-default sim/gemini-3-flash-preview')).toBeGreaterThan(20);
    // the dead build kept its ejection: no request reached it after the reload
    expect(targetState(stack, 'gemini-3.5-flash', DEAD)).toBe('ejected');
    expect(targets.get(`gemini-3.5-flash sim/${DEAD}`)).toBeUndefined();
    const audit = JSON.parse((await cli('audit', '--json')).stdout) as { entries: { action: string }[] };
    expect(audit.entries.some((e) => e.action === 'reload')).toBe(true);
  });

  it('a broken file is refused with the start-up error (file, line, field) and the running config keeps serving', async () => {
    writeConfig();
    await start();
    writeConfig({
      'team-default': { stage: 'ga', targets: [{ upstream: 'sim', model: 'gemini-2.5-flash', weight: -3 }] },
    });
    const startup = (() => {
      try {
        loadConfig(configFile);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(startup).toMatch(/aliasgate\.yaml:\d+/);
    expect(startup).toContain('weight');

    const refused = await cli('reload');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(startup.split('\n')[0]);
    const served = await generate('team-default');
    expect(served).toMatchObject({ status: 200, target: 'sim/gemini-2.5-flash' });

    // a file that is not YAML at all, and one that is gone, are refused the same way
    writeFileSync(configFile, 'aliases: [unclosed\n');
    expect((await cli('reload')).stderr).toMatch(/aliasgate\.yaml:\d+: Flow sequence/);
    rmSync(configFile);
    expect((await cli('reload')).stderr).toMatch(/no such file/);
    expect((await generate('team-default')).status).toBe(200);
  });

  it('a gateway started without a file says there is nothing to reload', async () => {
    writeConfig();
    gateway = createGateway(loadConfig(configFile), { random: seededRandom(5), log: createLogger('silent') });
    adminUrl = (await gateway.listen(0, '127.0.0.1', { port: 0 })).adminUrl;
    const run = await cli('reload');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/without a config file/);
  });
});

describe('aliasgate incidents', () => {
  it('lists the dead build’s ejection episode and writes it up as a bug report', async () => {
    writeConfig();
    await start();
    for (let i = 0; i < 30; i++) expect((await generate('gemini-3.5-flash')).status).toBe(200);

    const listed = await cli('incidents', '--json');
    expect(listed).toMatchObject({ status: 0 });
    const incidents = JSON.parse(listed.stdout) as {
      id: string;
      alias: string;
      model: string;
      startedAt: number;
      endedAt: number | null;
      requests: number;
      retries: number;
      messages: { message: string; count: number }[];
    }[];
    expect(incidents).toHaveLength(1);
    const [episode] = incidents;
    expect(episode).toMatchObject({ alias: 'gemini-3.5-flash', model: DEAD, endedAt: null });
    expect(episode!.requests).toBeGreaterThanOrEqual(3);
    expect(episode!.retries).toBe(episode!.requests);
    expect(episode!.messages).toEqual([
      { message: `404 NOT_FOUND: Model not found: models/${DEAD}`, count: episode!.requests },
    ]);
    expect(typeof episode!.startedAt).toBe('number');

    const text = await cli('incidents');
    expect(text.stdout).toContain(episode!.id);
    expect(text.stdout).toContain('open');

    const report = await cli('incidents', 'report', episode!.id);
    expect(report).toMatchObject({ status: 0 });
    expect(report.stdout).toContain(`# \`${DEAD}\` on \`sim\``);
    // the reproduction: plain curl at the upstream's own URL for the build, with the key as a variable
    expect(report.stdout).toContain(`curl -s "${sim.url}/v1beta/models/${DEAD}:generateContent"`);
    expect(report.stdout).toContain('x-goog-api-key: $GEMINI_API_KEY');
    // the counts and the message
    expect(report.stdout).toContain(`| failed requests | ${episode!.requests} |`);
    expect(report.stdout).toContain(
      `| ${episode!.requests} | \`404 NOT_FOUND: Model not found: models/${DEAD}\` |`,
    );
    expect(report.stdout).toMatch(/does not exist/);
    expect(report.stdout).toContain('`sim/gemini-3.5-flash-001`');

    const missing = await cli('incidents', 'report', 'nope');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('404: No incident nope');
  });

  it('closes the episode on re-admission, with the failed health checks counted, and keeps it across a restart', async () => {
    writeConfig(
      {},
      {
        health: {
          baseEjectionMs: 500,
          maxEjectionJitterMs: 0,
          healthCheck: { intervalMs: 500, healthyThreshold: 1 },
        },
      },
    );
    const clock = new ManualClock(Date.parse('2026-11-24T14:05:00Z'));
    gateway = createGateway(loadConfig(configFile), {
      random: seededRandom(5),
      log: createLogger('silent'),
      clock,
      healthTickMs: 1e9, // the test drives the checker
    });
    ({ url, adminUrl } = await gateway.listen(0, '127.0.0.1', { port: 0 }));
    for (let i = 0; i < 20; i++) expect((await generate('gemini-3.5-flash')).status).toBe(200);
    // a failed check while the build is still dead, then healed: one check re-admits it
    for (let step = 0; step < 2; step++) {
      clock.advance(1000);
      await gateway.checker.tick();
    }
    sim.setBehaviour(DEAD, { kind: 'healthy' });
    for (let step = 0; step < 10; step++) {
      clock.advance(1000);
      await gateway.checker.tick();
    }
    await gateway.close();
    gateway = undefined;
    await start();
    const listed = JSON.parse((await cli('incidents', '--json')).stdout) as {
      model: string;
      endedAt: number | null;
      ejections: number;
      messages: { message: string }[];
    }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ model: DEAD });
    expect(listed[0]!.endedAt).toBeGreaterThan(Date.parse('2026-11-24T14:05:00Z'));
    expect(listed[0]!.ejections).toBeGreaterThanOrEqual(2);
  });
});
