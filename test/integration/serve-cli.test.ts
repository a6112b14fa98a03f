import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/server.js';
import { runCli } from '../support/cli.js';
import { HI } from '../support/stack.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aliasgate-serve-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const urlIn = (stdout: string) => /listening on (http:\/\/[^\s;]+)/.exec(stdout)?.[1];

describe('aliasgate serve', () => {
  it('with no config starts demo mode over the simulated incident, and every call succeeds', async () => {
    const statuses: number[] = [];
    const run = await runCli(['serve', '--port', '0', '--admin-port', '0'], { HOME: dir }, async (stdout) => {
      const url = urlIn(stdout())!;
      for (let i = 0; i < 25; i++) {
        const res = await fetch(`${url}/v1beta/models/gemini-3.5-flash:generateContent`, {
          method: 'POST',
          body: HI,
        });
        statuses.push(res.status);
        await res.text();
      }
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('demo mode');
    expect(statuses).toEqual(Array(25).fill(200));
  });

  it('--host and --port override the config file', async () => {
    const sim = await startSimulator({});
    try {
      const file = join(dir, 'gw.yaml');
      writeFileSync(
        file,
        `server: { host: 0.0.0.0, port: 1 }\nstate: { sqlitePath: ":memory:" }\nlogging: { level: silent }\nupstreams:\n  sim: { baseUrl: "${sim.url}" }\naliases:\n  flash:\n    targets: [{ upstream: sim, model: gemini-2.5-flash }]\n`,
      );
      let seen: string | undefined;
      const run = await runCli(
        ['serve', '--config', file, '--host', '127.0.0.1', '--port', '0', '--admin-port', '0'],
        {},
        async (stdout) => {
          seen = urlIn(stdout());
          const res = await fetch(`${seen}/v1beta/models/flash:generateContent`, {
            method: 'POST',
            body: HI,
          });
          expect(res.status).toBe(200);
        },
      );
      expect(run.status).toBe(0);
      expect(seen).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(seen).not.toMatch(/:1$/);
    } finally {
      await sim.close();
    }
  });

  it('a config error names the file, the line and the field, and exits 2 without a stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'upstreams:\n  b: { baseUrl: "http://127.0.0.1:1" }\naliases:\n  flash:\n    targets:\n      - { upstream: b, model: m, weight: -2 }\n',
    );
    const run = await runCli(['serve', '--config', file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:6: aliases\.flash\.targets\[0\]\.weight/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unset environment variable in the config is named', async () => {
    const file = join(dir, 'env.yaml');
    writeFileSync(
      file,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config syntax itself is under test
      'upstreams:\n  g: { baseUrl: "http://127.0.0.1:1", apiKey: "${NO_SUCH_KEY_VAR}" }\naliases:\n  a:\n    targets: [{ upstream: g, model: m }]\n',
    );
    const run = await runCli(['serve', '--config', file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('NO_SUCH_KEY_VAR');
  });

  it('with its admin port taken, exits with the error and leaves the client port free (never serves half a gateway)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const adminPort = (taken.address() as AddressInfo).port;
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const clientPort = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    try {
      const run = await runCli(['serve', '--port', String(clientPort), '--admin-port', String(adminPort)], {
        HOME: dir,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('EADDRINUSE');
      // the client listener was closed with it: its port can be bound again
      const again = createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen(clientPort, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => again.close(resolve));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
