import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/server.js';
import { run, userEnv } from '../support/processes.js';
import { HI, type Sim } from '../support/stack.js';

/**
 * The most common production shape: nginx on the same host in front of the gateway, no admin token configured.
 * Every request nginx forwards comes from 127.0.0.1, so loopback can never be the admin API's test of trust. The
 * admin API has its own listener (loopback by default) and a token generated at start: through nginx it cannot be
 * reached, and even an nginx wrongly pointed at the admin port (with X-Forwarded-For: 127.0.0.1 from the client)
 * gets 401; the operator's `aliasgate status` and `pull` on the host work with no flags at all.
 */

const BIN = resolve(import.meta.dirname, '../../bin/aliasgate.js');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!NGINX && !process.env.CI) {
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!!! SKIPPED test/integration/admin-behind-proxy.test.ts: nginx is not installed.\n` +
      `!!! Install it (apt-get install nginx-light) or set CI to make this fail.\n${bar}\n`,
  );
}

let dir: string;
let sim: Sim;
let gateway: ChildProcess;
let nginx: ChildProcess;
let proxied = '';
let proxiedAdmin = '';
let gatewayOut = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** nginx as people put it in front: everything to the data port; and (wrongly) a second site to the admin port. */
function nginxConf(root: string, front: number, data: number, frontAdmin: number, admin: number): string {
  return `daemon off;
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${root}/client_body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi;
  uwsgi_temp_path ${root}/uwsgi;
  scgi_temp_path ${root}/scgi;
  server {
    listen 127.0.0.1:${front};
    location / {
      proxy_pass http://127.0.0.1:${data};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Forwarded "for=$remote_addr";
    }
  }
  server {
    listen 127.0.0.1:${frontAdmin};
    location / {
      proxy_pass http://127.0.0.1:${admin};
      proxy_set_header Host 127.0.0.1;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP 127.0.0.1;
    }
  }
}
`;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`${url} never answered`);
}

/** The operator on the gateway's host, in its directory, with no flags, token or URL of any kind. */
function operator(...args: string[]) {
  return run(process.execPath, [BIN, ...args], { cwd: dir, env: userEnv() });
}

describe.skipIf(!NGINX)('the admin API behind nginx on the same host, no admin token configured', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aliasgate-proxy-'));
    sim = await startSimulator({ seed: 4 });
    const [data, admin, front, frontAdmin] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // what a user writes: no admin section, no token; the state file in its default place
    writeFileSync(
      join(dir, 'aliasgate.yaml'),
      `server: { port: ${data} }\nadmin: { port: ${admin} }\n` +
        `upstreams: { sim: { baseUrl: "${sim.url}" } }\n` +
        'aliases:\n' +
        '  gemini-3.5-flash:\n' +
        '    targets:\n' +
        '      - { upstream: sim, model: gemini-3.5-flash-001, weight: 32 }\n' +
        '      - { upstream: sim, model: gemini-v4p1s-rev24-ajax-sentinel, weight: 68 }\n',
    );
    gateway = spawn(process.execPath, [BIN, 'serve', '--config', 'aliasgate.yaml'], {
      cwd: dir,
      env: userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (c: Buffer) => {
      gatewayOut += c.toString();
    });
    while (!gatewayOut.includes('listening on')) {
      if (gateway.exitCode !== null) throw new Error(`serve exited: ${gatewayOut}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const root = join(dir, 'nginx');
    mkdirSync(root);
    writeFileSync(join(root, 'nginx.conf'), nginxConf(root, front, data, frontAdmin, admin));
    nginx = spawn(NGINX!, ['-p', root, '-c', join(root, 'nginx.conf')], { stdio: 'ignore' });
    proxied = `http://127.0.0.1:${front}`;
    proxiedAdmin = `http://127.0.0.1:${frontAdmin}`;
    await waitFor(proxied);
    await waitFor(proxiedAdmin);
  });

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await once(gateway, 'exit');
    }
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves clients through nginx', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${proxied}/v1beta/models/gemini-3.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: HI,
      });
      expect(res.status).toBe(200);
      await res.text();
    }
  });

  const ADMIN_ROUTES: [string, string][] = [
    ['GET', '/admin/status'],
    ['GET', '/admin/audit'],
    ['GET', '/admin/events'],
    ['GET', '/admin/incidents'],
    ['POST', '/admin/pull'],
    ['POST', '/admin/restore'],
    ['POST', '/admin/stage'],
    ['POST', '/admin/reload'],
    ['GET', '/dashboard'],
    ['GET', '/metrics'],
  ];
  const SPOOFS: [string, Record<string, string>][] = [
    ['no forwarding headers', {}],
    ['X-Forwarded-For: 127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }],
    ['Forwarded: for=127.0.0.1 and X-Real-IP', { forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' }],
  ];

  it.each(SPOOFS)('through nginx to the data port, no admin route answers (%s)', async (_name, headers) => {
    for (const [method, path] of ADMIN_ROUTES) {
      const res = await fetch(`${proxied}${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        ...(method === 'POST'
          ? {
              body: JSON.stringify({ alias: 'gemini-3.5-flash', model: 'gemini-3.5-flash-001', reason: 'x' }),
            }
          : {}),
      });
      const text = await res.text();
      expect([404, 405], `${method} ${path}: ${res.status} ${text}`).toContain(res.status);
      expect(text).not.toContain('gemini-v4p1s'); // nothing of the admin's view leaks
    }
  });

  it.each(SPOOFS)(
    'through an nginx pointed at the admin port, every route wants the token (%s)',
    async (_n, headers) => {
      for (const [method, path] of ADMIN_ROUTES) {
        if (path === '/dashboard') continue; // the login page itself is public; what it guards is not
        const res = await fetch(`${proxiedAdmin}${path}`, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(method === 'POST'
            ? {
                body: JSON.stringify({
                  alias: 'gemini-3.5-flash',
                  model: 'gemini-3.5-flash-001',
                  reason: 'x',
                }),
              }
            : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(401);
        const body = (await res.json()) as { error: { status: string; message: string } };
        expect(body.error.status).toBe('UNAUTHENTICATED');
      }
      // a Bearer that is not the token is refused too, whatever the headers claim
      const wrong = await fetch(`${proxiedAdmin}/admin/status`, {
        headers: { ...headers, authorization: 'Bearer guess' },
      });
      expect(wrong.status).toBe(401);
    },
  );

  it('nothing an attacker sent through nginx changed anything', async () => {
    const status = await operator('status', '--json');
    const body = JSON.parse(status.stdout) as {
      aliases: { name: string; targets: { model: string; state: string }[] }[];
    };
    const flash = body.aliases.find((a) => a.name === 'gemini-3.5-flash')!;
    expect(flash.targets.find((t) => t.model === 'gemini-3.5-flash-001')?.state).toBe('in_rotation');
  });

  it('on the host, `aliasgate status` and `pull` work with no set-up: the token and URL files are found', async () => {
    const token = join(dir, '.aliasgate', 'admin-token');
    expect(statSync(token).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, '.aliasgate', 'admin-url'), 'utf8').trim()).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+$/,
    );
    const status = await operator('status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('gemini-3.5-flash');
    const pulled = await operator(
      'pull',
      'gemini-3.5-flash',
      'gemini-v4p1s-rev24-ajax-sentinel',
      '--reason',
      'dead build',
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain('done');
    const audit = await operator('audit', '--json');
    const entries = (JSON.parse(audit.stdout) as { entries: { action: string; reason: string }[] }).entries;
    expect(entries[0]).toMatchObject({ action: 'pull', reason: 'dead build' });
    // the dashboard link printed at start carries the token once
    expect(gatewayOut).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\?token=\S+/);
  });
});
