import cluster from 'node:cluster';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';

/**
 * The name this process goes by in the audit log, the timeline, status and the fleet's replica list:
 * `server.instanceName`, or hostname:pid. Workers of `serve --workers N` share one config, so a configured name gets
 * /w<n> per worker; hostname:pid already differs.
 */
export function replicaName(config: Config): string {
  const configured = config.server.instanceName;
  if (!configured) return `${hostname()}:${process.pid}`;
  return cluster.isWorker && cluster.worker ? `${configured}/w${cluster.worker.id}` : configured;
}
