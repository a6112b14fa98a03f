import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/server.js';
import { runCli } from '../support/cli.js';
import { HI } from '../support/stack.js';

const BIN = resolve(import.meta.dirname, '../../bin/aliasgate.js');
let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('aliasgate serve --workers 2 (the built program, as a user runs it)', () => {
  it('serves from two processes on one port, shares pulls through the state file, and stops on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-workers-'));
    child = spawn(process.execPath, [BIN, 'serve', '--workers', '2', '--port', '0', '--admin-port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    while ((out.match(/listening on/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (http:\/\/[^\s;]+)/.exec(out)![1]!;
    const adminUrl = /admin API and dashboard on (http:\/\/\S+)/.exec(out)![1]!;
    const pids = new Set([...out.matchAll(/\(worker (\d+)\)/g)].map((m) => m[1]));
    expect(pids.size).toBe(2);

    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/v1beta/models/gemini-3.5-flash:generateContent`, {
        method: 'POST',
        body: HI,
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    expect(
      (
        await runCli([
          'pull',
          'gemini-3.5-flash',
          'gemini-3.5-flash-001',
          '--reason',
          'test',
          '--url',
          adminUrl,
        ])
      ).status,
    ).toBe(0);
    await new Promise((r) => setTimeout(r, 1200)); // the other worker reloads the state file every second
    // every worker routes around the pulled build: new connections spread over both
    const simUrl = /simulated fleet at (http:\/\/\S+)/.exec(out)![1]!;
    await fetch(`${simUrl}/_sim/reset-stats`, { method: 'POST' });
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${url}/v1beta/models/gemini-3.5-flash:generateContent`, {
        method: 'POST',
        body: HI,
        headers: { connection: 'close' },
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as {
      requests: { byBuild: Record<string, number> };
    };
    expect(stats.requests.byBuild['gemini-3.5-flash-001'] ?? 0).toBe(0);

    // a worker that dies is replaced, and the gateway keeps serving
    process.kill(Number([...pids][0]), 'SIGKILL');
    while ((out.match(/listening on/g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 20));
    const replaced = [...out.matchAll(/\(worker (\d+)\)/g)].map((m) => m[1]).at(-1);
    expect(pids.has(replaced)).toBe(false);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/v1beta/models/gemini-3.5-flash:generateContent`, {
        method: 'POST',
        body: HI,
        headers: { connection: 'close' },
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});

describe('aliasgate serve --workers 2, when every worker fails at start', () => {
  it('replaces them with backoff, then gives up and exits 1 rather than wait for ever', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-crashing-'));
    mkdirSync(join(dir, 'state.db')); // a directory where the state file should be: no worker can open it
    writeFileSync(
      join(dir, 'gw.yaml'),
      'server: { port: 0 }\nadmin: { port: 0 }\nstate: { sqlitePath: state.db }\n' +
        'upstreams: { u: { baseUrl: "http://127.0.0.1:9" } }\naliases: { a: { targets: [{ upstream: u, model: m }] } }\n',
    );
    child = spawn(process.execPath, [BIN, 'serve', '--config', 'gw.yaml', '--workers', '2'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect((out.match(/"event":"worker_died"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(out).toContain('"event":"workers_crashing"');
  });
});

describe('aliasgate serve --config --workers 2: config reload', () => {
  it('SIGHUP to the primary reloads every worker; `aliasgate reload` asked of one worker reaches the other', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-reload-'));
    const sim = await startSimulator({ seed: 2 });
    try {
      const file = join(dir, 'gw.yaml');
      const write = (aliases: string[]) =>
        writeFileSync(
          file,
          `server: { port: 0 }\nadmin: { port: 0 }\nstate: { sqlitePath: state.db }\nlogging: { level: info }\n` +
            `upstreams: { sim: { baseUrl: "${sim.url}" } }\naliases:\n` +
            aliases
              .map((a) => `  ${a}: { targets: [{ upstream: sim, model: gemini-2.5-flash }] }\n`)
              .join(''),
        );
      write(['team-default']);
      child = spawn(process.execPath, [BIN, 'serve', '--config', 'gw.yaml', '--workers', '2'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
      });
      while ((out.match(/listening on/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 20));
      const url = /listening on (http:\/\/[^\s;]+)/.exec(out)![1]!;
      const adminUrl = /admin API and dashboard on (http:\/\/\S+)/.exec(out)![1]!;
      /** What every worker lists: new connections are spread over both. */
      const listed = async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 12; i++) {
          const res = await fetch(`${url}/v1beta/models`, { headers: { connection: 'close' } });
          const body = (await res.json()) as { models: { name: string }[] };
          seen.add(body.models.map((m) => m.name.replace('models/', '')).join(','));
        }
        return [...seen];
      };
      const until = async (want: string) => {
        for (let i = 0; i < 100; i++) {
          const now = await listed();
          if (now.length === 1 && now[0] === want) return now;
          await new Promise((r) => setTimeout(r, 50));
        }
        return listed();
      };
      expect(await listed()).toEqual(['team-default']);

      write(['team-default', 'team-fast']);
      child.kill('SIGHUP');
      expect(await until('team-default,team-fast')).toEqual(['team-default,team-fast']);
      expect(child.exitCode).toBeNull(); // SIGHUP no longer ends the process

      write(['team-default', 'team-fast', 'team-new']);
      const reloaded = await runCli(['reload', '--url', adminUrl, '--token-file', join(dir, 'admin-token')]);
      expect(reloaded).toMatchObject({ status: 0 });
      expect(await until('team-default,team-fast,team-new')).toEqual(['team-default,team-fast,team-new']);
      expect((out.match(/"event":"reloaded"/g) ?? []).length).toBe(4);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe('aliasgate serve logs', () => {
  it('are human-readable lines on a terminal and JSON through a pipe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-tty-'));
    const serve = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} serve --port 0 --admin-port 0`;
    /** Runs serve until it says it listens, then stops it; `script` gives it a pseudo-terminal (util-linux). */
    const firstLines = async (command: string, args: string[]) => {
      child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
      });
      while (!out.includes('listening on')) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGTERM');
      await once(child, 'exit');
      return out;
    };
    const tty = await firstLines('script', ['-qefc', serve, '/dev/null']);
    expect(tty).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*WARN.*: .*auth\.clientKeys is empty/);
    expect(tty).not.toContain('{"level"');
    const piped = await firstLines(process.execPath, [BIN, 'serve', '--port', '0', '--admin-port', '0']);
    expect(piped).toContain('{"level":40');
    expect(piped).toContain('"event":"config_warning"');
  });
});
