import type { Catalog } from '../catalog/catalog.js';
import type { LearnedModels } from '../catalog/learned-model.js';
import type { Clock } from '../clock.js';
import type { HealthTable } from '../health/health-table.js';
import type { Router } from '../routing/router.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Traffic } from '../telemetry/traffic.js';
import type { ClientAuth } from './auth.js';
import type { Cors } from './cors.js';
import type { OpenStreams } from './forward.js';

/**
 * What the client-facing API needs of the running gateway, each part for a reason: the router serves requests, the
 * catalog and health answer `GET models`, auth checks keys, metrics and the log see every request, and open streams
 * are ended with an error event when the gateway stops.
 */
export interface ApiDeps {
  router: Router;
  catalog(): Catalog;
  health: HealthTable;
  /** Client keys in force now (a reload replaces them). */
  auth(): ClientAuth;
  metrics: Metrics;
  log: Logger;
  clock: Clock;
  streams: OpenStreams;
  /** Limits in force now (a reload may change them). */
  limits(): ApiLimits;
  /** Per-alias traffic the dashboard shows: one record per client request, with the attempts it took. */
  traffic: Traffic;
  /** Whether one debug line per request is logged (logging.level debug or trace); read once, at start. */
  accessLog: boolean;
  /** CORS headers and preflights (server.cors). */
  cors: Cors;
  /** What upstreams said of aliases that declare no methods (their Model resources show it). */
  learned?: LearnedModels;
}

export interface ApiLimits {
  /** Largest request body, bytes (413 beyond, and the connection is closed). */
  bodyLimitBytes: number;
  /** Requests in flight at once; beyond it a request gets 503 + Retry-After at once. */
  maxInFlight: number;
}
