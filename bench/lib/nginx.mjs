import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATE_BODY, STREAM_BODY } from './canned.mjs';
import { freePort, waitForPort } from './processes.mjs';

/**
 * nginx in two roles, each its own process tree (master + 1 worker) with a generated conf in a temp dir:
 * - the static upstream: `return 200 '<canned body>'`, so the upstream is never the bottleneck;
 * - the reference proxy: `proxy_pass` to an upstream with keepalive, as people put it in front of model APIs.
 * CI installs wrk but not nginx: `findNginx()` returns undefined there and the nginx rows are skipped.
 */

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'];

export function findNginx() {
  if (process.env.BENCH_NGINX === 'off') return undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Escapes a body for a single-quoted nginx string: CR and LF as `\r` `\n` (nginx unescapes them in quotes). */
function nginxString(text) {
  if (/['$\\]/.test(text)) throw new Error('canned body must not contain quote, dollar or backslash');
  return `'${text.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

/**
 * `return 200 '<text>'` for a text longer than one nginx config token may be (4 KiB, NGX_CONF_BUFFER): the
 * text is set into variables piece by piece (cut at CRLF CRLF, whole SSE events) and returned as `"$p0$p1…"`.
 */
function longReturn(text) {
  const pieces = [];
  let current = '';
  for (const part of text.split(/(?<=\r\n\r\n)/)) {
    if (current.length + part.length > 2000 && current) {
      pieces.push(current);
      current = '';
    }
    current += part;
  }
  if (current) pieces.push(current);
  const sets = pieces.map((piece, i) => `      set $p${i} ${nginxString(piece)};`);
  return `${sets.join('\n')}\n      return 200 "${pieces.map((_, i) => `$p${i}`).join('')}";`;
}

function commonHead(dir) {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # wrk keeps its connections for the whole run; the 1.22 default of 1000 requests would churn them
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 64m;
`;
}

function staticConf(dir, port) {
  return `${commonHead(dir)}
  server {
    listen 127.0.0.1:${port} reuseport;
    location ~ :streamGenerateContent$ {
      default_type 'text/event-stream';
${longReturn(STREAM_BODY)}
    }
    location / {
      default_type 'application/json; charset=UTF-8';
      return 200 ${nginxString(GENERATE_BODY)};
    }
  }
}
`;
}

/** One server block per upstream: listen port → upstream URL, 128 idle keep-alive connections each. */
function proxyConf(dir, routes) {
  const blocks = routes.map(({ port, upstream }, i) => {
    const { host } = new URL(upstream);
    return `
  upstream up${i} {
    server ${host};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port} reuseport;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location ~ :streamGenerateContent$ {
      # SSE must reach the client event by event (docs/wire.md §7.1)
      proxy_buffering off;
      proxy_pass http://up${i};
    }
    location / {
      proxy_pass http://up${i};
    }
  }`;
  });
  return `${commonHead(dir)}${blocks.join('\n')}
}
`;
}

async function startNginx(binary, name, makeConf, ports) {
  const dir = mkdtempSync(join(tmpdir(), `aliasgate-bench-${name}-`));
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, makeConf(dir));
  const child = spawn(binary, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', resolve));
  exit.then(() => {
    exited = true;
  });
  try {
    await Promise.race([
      Promise.all(ports.map((p) => waitForPort(p))),
      exit.then(() => {
        throw new Error(
          `nginx (${name}) exited: ${readFileSync(join(dir, 'error.log'), 'utf8').slice(-500)}`,
        );
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name,
    pid: child.pid,
    get alive() {
      return !exited;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx serving the canned bodies on a free port. */
export async function startNginxStatic(binary) {
  const port = await freePort();
  const server = await startNginx(binary, 'static', (dir) => staticConf(dir, port), [port]);
  return Object.assign(server, { url: `http://127.0.0.1:${port}` });
}

/**
 * nginx proxying to each of `upstreams` (one listen port per upstream, one worker for all of them).
 * @returns {{ urls: string[], pid: number, stop(): Promise<void> }}
 */
export async function startNginxProxy(binary, upstreams) {
  const routes = [];
  for (const upstream of upstreams) routes.push({ port: await freePort(), upstream });
  const server = await startNginx(
    binary,
    'proxy',
    (dir) => proxyConf(dir, routes),
    routes.map((r) => r.port),
  );
  return Object.assign(server, { urls: routes.map((r) => `http://127.0.0.1:${r.port}`) });
}
