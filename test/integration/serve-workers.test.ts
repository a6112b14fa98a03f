import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
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
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
