import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'undici';
import { rssKb } from '../../lib/proc.mjs';

/**
 * What the soak watches from outside the gateway: its memory and descriptors from /proc/<pid> (RSS from
 * status VmRSS; every fd in /proc/<pid>/fd, the sockets among them, and each socket's role from the process's
 * /proc/<pid>/net/tcp{,6} by inode), and its timeline from the admin event stream.
 */

/** `/proc/<pid>/net/tcp` state codes (include/net/tcp_states.h) worth naming. */
const TCP_LISTEN = '0A';

/**
 * Every TCP socket of the process's network namespace by inode: local and remote port, state.
 * @returns {Map<string, { localPort: number, remotePort: number, state: string }>}
 */
function tcpSockets(pid) {
  const out = new Map();
  for (const file of ['tcp', 'tcp6']) {
    let text;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (addr) => Number.parseInt(addr.split(':')[1], 16);
      out.set(f[9], { localPort: port(f[1]), remotePort: port(f[2]), state: f[3] });
    }
  }
  return out;
}

/**
 * The process's descriptors now: how many, how many are sockets, and the sockets by role (`listen`, `client`
 * connections on the client port, `admin` connections on the admin port, `upstream` connections to the simulator,
 * `other`: anything else, unix sockets included).
 * @param {{ port: number, adminPort: number, upstreamPort: number }} ports
 */
export function descriptors(pid, ports) {
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = [];
  for (const fd of fds) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.push(m[1]);
    } catch {
      // closed while we looked
    }
  }
  const tcp = tcpSockets(pid);
  const roles = { listen: 0, client: 0, admin: 0, upstream: 0, other: 0 };
  for (const inode of inodes) {
    const s = tcp.get(inode);
    if (!s) roles.other++;
    else if (s.state === TCP_LISTEN) roles.listen++;
    else if (s.localPort === ports.port) roles.client++;
    else if (s.localPort === ports.adminPort) roles.admin++;
    else if (s.remotePort === ports.upstreamPort) roles.upstream++;
    else roles.other++;
  }
  return { fds: fds.length, sockets: inodes.length, roles };
}

/** One sample of the gateway process: RSS (KiB) and descriptors. */
export function sample(pid, ports) {
  const d = descriptors(pid, ports);
  return d ? { rssKb: rssKb([pid]), ...d } : undefined;
}

/**
 * Follows `GET /admin/events` for the whole run: timeline entries counted by kind (deduplicated by id), the last
 * status kept. The connection is the dashboard's, so it is part of what must not leak.
 */
export function followEvents(adminUrl, token) {
  const controller = new AbortController();
  const seen = new Set();
  const kinds = {};
  const entries = [];
  let lastStatus;
  let failure;
  const done = (async () => {
    const res = await request(`${adminUrl}/admin/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
      bodyTimeout: 0,
    });
    if (res.statusCode !== 200) {
      failure = `GET /admin/events: HTTP ${res.statusCode}`;
      await res.body.dump();
      return;
    }
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += chunk.toString('utf8');
      for (;;) {
        const at = buffer.indexOf('\n\n');
        if (at < 0) break;
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event = /^event: (\S+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        if (event === 'status') lastStatus = data;
        if (event !== 'timeline') continue;
        const entry = JSON.parse(data);
        if (seen.has(entry.id)) continue;
        seen.add(entry.id);
        kinds[entry.kind] = (kinds[entry.kind] ?? 0) + 1;
        entries.push(entry);
      }
    }
  })().catch((error) => {
    if (!controller.signal.aborted) failure = `GET /admin/events: ${error.message}`;
  });
  return {
    kinds,
    entries,
    get failure() {
      return failure;
    },
    status: () => (lastStatus ? JSON.parse(lastStatus) : undefined),
    async stop() {
      controller.abort();
      await done;
    },
  };
}
