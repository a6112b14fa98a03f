import type { AliasEntry, Target } from '../catalog/alias-entry.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import type { HealthTable } from '../health/health-table.js';
import type { LoopResult, Send } from '../routing/attempt-loop.js';
import type { OperatorStore } from '../store/operator-store.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Upstreams } from '../upstream/pools.js';
import type { ClientAuth } from './auth.js';

/** What the API handlers need of the running gateway; src/gateway.ts builds it. */
export interface Runtime {
  catalog: Catalog;
  upstreams: Upstreams;
  health: HealthTable;
  operator: OperatorStore;
  auth: ClientAuth;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
  bodyLimitBytes: number;
  /** routing.idleTimeoutMs: a forwarded body that goes silent this long ends with an error. */
  idleTimeoutMs: number;
  /** Streams being forwarded, each with how to end it in its own framing when the gateway stops. */
  openStreams: Map<object, () => void>;
  /** Whether one debug line per request is logged (logging.level debug or trace); read once, at start. */
  accessLog: boolean;
  /** SHA-256 of the admin token; without one the admin API answers on loopback only. */
  adminTokenSha256: string | undefined;
  route(
    chain: readonly AliasEntry[],
    send: Send,
    cancelled: () => boolean,
    deadlineMs?: number,
  ): Promise<LoopResult>;
  recordVerdict(target: Target, verdict: Verdict): void;
  /** Extra response headers for a deprecated alias (Warning, Deprecation, Sunset), else undefined. */
  deprecationHeaders(alias: AliasEntry): Record<string, string> | undefined;
  /** A health summary of an alias, for GET models and status. */
  aliasHealth(alias: AliasEntry): AliasHealth;
}

export interface TargetStatus {
  upstream: string;
  model: string;
  weight: number;
  /** in_rotation | ejected | checking | pulled */
  state: string;
  until?: number;
  reason?: string;
  pulledBy?: string;
  requests: number;
  failures: number;
  successRate: number | null;
  inFlight: number;
}

export interface AliasHealth {
  status: 'healthy' | 'degraded' | 'unavailable';
  targetsInRotation: number;
  targets: TargetStatus[];
}
