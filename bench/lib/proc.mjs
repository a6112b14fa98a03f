import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * What the kernel says a process costs: CPU time from /proc/<pid>/stat (every thread, so libuv's pool and V8's
 * GC helpers count too) and memory from /proc/<pid>/status. Linux only, like the benchmark.
 */

/** Clock ticks per second that utime/stime are counted in (`getconf CLK_TCK`, 100 on every Linux we run). */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces and parentheses. */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of one process, in µs (0 when it is gone). Fields 14 and 15 of stat; index 11, 12 after comm. */
export function cpuMicros(pid) {
  try {
    const f = statFields(pid);
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The pid and every descendant (nginx's worker under its master, cluster workers under the primary). */
export function processTree(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(name)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [];
  const visit = (pid) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** CPU µs of a set of processes together. */
export function treeCpuMicros(pids) {
  let total = 0;
  for (const pid of pids) total += cpuMicros(pid);
  return total;
}

function statusKb(pid, field) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident set size now, KiB, summed over the processes. */
export function rssKb(pids) {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0);
}

/** Peak resident set size since start or the last resetPeakRss, KiB, summed over the processes. */
export function peakRssKb(pids) {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0);
}

/** Restarts VmHWM from the current RSS (`echo 5 > clear_refs`, Linux ≥ 4.0), so a run's own peak is seen. */
export function resetPeakRss(pids) {
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not permitted here: the peak then covers the process's whole life, which only overstates it
    }
  }
}
