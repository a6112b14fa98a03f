import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
      (await runCli(['pull', 'gemini-3.5-flash', 'gemini-3.5-flash-001', '--url', adminUrl])).status,
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
