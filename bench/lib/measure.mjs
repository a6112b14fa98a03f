import { peakRssKb, processTree, resetPeakRss, rssKb, treeCpuMicros } from './proc.mjs';

/**
 * Runs `work` while watching named groups of processes (each pid with its children): CPU µs each group spent
 * during the work, its peak RSS during it and its RSS after.
 * @template T
 * @param {Record<string, number[]>} groups e.g. `{ proxy: [gatewayPid], upstream: [nginxPid] }`
 * @param {() => Promise<T>} work
 * @returns {Promise<{ result: T } & Record<string, { cpuUs: number, peakRssKb: number, rssKb: number }>>}
 */
export async function measured(groups, work) {
  const trees = Object.entries(groups).map(([name, roots]) => [
    name,
    roots.flatMap((pid) => processTree(pid)),
  ]);
  for (const [, tree] of trees) resetPeakRss(tree);
  const before = trees.map(([, tree]) => treeCpuMicros(tree));
  const result = await work();
  const out = { result };
  trees.forEach(([name, tree], i) => {
    out[name] = { cpuUs: treeCpuMicros(tree) - before[i], peakRssKb: peakRssKb(tree), rssKb: rssKb(tree) };
  });
  return out;
}
