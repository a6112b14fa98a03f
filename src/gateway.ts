import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientAuth } from './api/auth.js';
import type { AliasHealth, Runtime, TargetStatus } from './api/runtime.js';
import { createRequestHandler } from './api/server.js';
import type { AliasEntry, Target } from './catalog/alias-entry.js';
import { Catalog } from './catalog/catalog.js';
import { deprecationWarning } from './catalog/deprecation.js';
import type { Verdict } from './classify/verdict.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config/schema.js';
import { configWarnings } from './config/warnings.js';
import { HealthChecker } from './health/checker.js';
import { type HealthEvent, HealthTable } from './health/health-table.js';
import { mathRandom, type Random } from './random.js';
import { type LoopDeps, runAttempts } from './routing/attempt-loop.js';
import { RetryBudget } from './routing/retry-budget.js';
import type { OperatorStore, Pull } from './store/operator-store.js';
import { openSqliteOperatorStore } from './store/sqlite/sqlite-operator-store.js';
import { createLogger, type Logger } from './telemetry/log.js';
import { Metrics } from './telemetry/metrics.js';
import type { AttemptOutcome } from './upstream/attempt.js';
import { judge } from './upstream/judge.js';
import { Upstreams } from './upstream/pools.js';

export interface GatewayDeps {
  clock?: Clock;
  random?: Random;
  log?: Logger;
  /** Operator state; by default the SQLite file named in config.state. */
  operator?: OperatorStore;
  /** How often the health checker looks for due checks, ms (default: min(intervalMs, 1000)). */
  healthTickMs?: number;
}

export interface Gateway {
  readonly runtime: Runtime;
  readonly checker: HealthChecker;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** The composition root: config → store → health → routing → api. The CLI, tests and benchmarks start it alike. */
export function createGateway(config: Config, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? mathRandom;
  const log = deps.log ?? createLogger(config.logging.level);
  const catalog = new Catalog(config);
  const operator = deps.operator ?? openSqliteOperatorStore(config.state.sqlitePath, clock);
  const upstreams = new Upstreams(config.upstreams);
  const metrics = new Metrics();
  const health = new HealthTable({
    policy: config.health,
    clock,
    random,
    groups: catalog.aliases().map((a) => [a.name, a.targets.map((t) => t.id)] as [string, string[]]),
  });
  const pullOf = pullIndex(catalog, operator);
  const budget = new RetryBudget(config.routing.retryBudget, clock);
  const auth = new ClientAuth(config.auth.clientKeys);

  const onEvents = (events: HealthEvent[]) => {
    for (const event of events) reportHealthEvent(event, { catalog, operator, metrics, log });
  };
  const recordVerdict = (target: Target, verdict: Verdict) => {
    metrics.attempt(target.alias, target.upstream, target.model, verdict.kind);
    const events = health.record(target.id, verdict);
    if (events.length > 0) onEvents(events);
  };
  const loopDeps: LoopDeps = {
    policy: config.routing,
    health,
    budget,
    clock,
    random,
    isPulled: (t) => pullOf(t) !== undefined,
    onVerdict: recordVerdict,
  };
  const deprecation = new Map<string, Record<string, string> | undefined>();
  const aliasNames = new WeakMap<readonly AliasEntry[], string[]>();
  const namesOf = (chain: readonly AliasEntry[]) => {
    let names = aliasNames.get(chain);
    if (!names) {
      names = chain.map((a) => a.name);
      aliasNames.set(chain, names);
    }
    return names;
  };

  const runtime: Runtime = {
    catalog,
    upstreams,
    health,
    operator,
    auth,
    clock,
    metrics,
    log,
    bodyLimitBytes: config.server.bodyLimitBytes,
    idleTimeoutMs: config.routing.idleTimeoutMs,
    accessLog: log.isLevelEnabled('debug'),
    openStreams: new Map(),
    adminTokenSha256: config.auth.adminTokenSha256,
    route: (chain, send, cancelled, deadlineMs) => {
      const names = namesOf(chain);
      const judgeNow = (outcome: AttemptOutcome, target: Target) =>
        judge(outcome, target, clock.now(), names);
      return runAttempts(chain, send, judgeNow, loopDeps, cancelled, deadlineMs);
    },
    recordVerdict,
    deprecationHeaders(alias) {
      if (!deprecation.has(alias.name)) deprecation.set(alias.name, deprecationHeaders(alias));
      return deprecation.get(alias.name);
    },
    aliasHealth: (alias) => aliasHealth(alias, health, pullOf),
  };

  const checker = new HealthChecker({
    health,
    catalog,
    upstreams,
    clock,
    log,
    request: config.health.healthCheck.request,
    timeoutMs: config.health.healthCheck.timeoutMs,
    tickMs: deps.healthTickMs ?? Math.min(config.health.healthCheck.intervalMs, 1000),
    onEvents,
    onCheck(target, ok, reason) {
      metrics.count(metrics.healthChecks, target.alias, target.model, ok ? 'pass' : 'fail');
      log.info(
        {
          event: 'health_check',
          alias: target.alias,
          upstream: target.upstream,
          model: target.model,
          ok,
          reason,
        },
        'health check',
      );
    },
  });

  let server: Server | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;
  return {
    runtime,
    checker,
    async listen(port = config.server.port, host = config.server.host) {
      server = createServer({ keepAliveTimeout: 65_000 }, createRequestHandler(runtime));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      if (config.health.healthCheck.enabled) checker.start();
      // another process (`aliasgate pull --state`) may have written the state file: pick it up within a second
      reloadTimer = setInterval(() => operator.reload(), 1000);
      reloadTimer.unref();
      for (const warning of configWarnings(config)) log.warn({ event: 'config_warning' }, warning);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { url: `http://${shown}:${address.port}`, port: address.port };
    },
    async close() {
      checker.stop();
      clearInterval(reloadTimer);
      if (server) await drain(server, runtime.openStreams, config.server.shutdownGraceMs);
      await upstreams.close();
      if (!deps.operator) operator.close();
    },
  };
}

/**
 * Stops taking requests and lets those in flight finish for up to `graceMs`; streams still open then end with an
 * error event in their own framing (never a silent cut), and what is left is closed.
 */
async function drain(server: Server, openStreams: Map<object, () => void>, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // connections that go idle after their last response are closed as they do
  const idle = setInterval(() => server.closeIdleConnections(), 25);
  server.closeIdleConnections();
  let last: NodeJS.Timeout | undefined;
  const deadline = setTimeout(() => {
    for (const end of [...openStreams.values()]) end();
    // a moment for those last events to leave, then whatever is still open (requests still waiting on an upstream)
    last = setTimeout(() => server.closeAllConnections(), 200);
  }, graceMs);
  await closed;
  clearInterval(idle);
  clearTimeout(deadline);
  clearTimeout(last);
}

/**
 * The operator's pulls by target id, rebuilt only when the store's pulls change: routing asks about every target of
 * an alias on every request, and status pages about every alias, and neither should build keys or read the file.
 */
function pullIndex(catalog: Catalog, operator: OperatorStore): (target: Target) => Pull | undefined {
  let version = -1;
  let byTarget = new Map<string, Pull>();
  return (target) => {
    if (operator.pullsVersion !== version) {
      const byKey = new Map(operator.listPulls().map((p) => [`${p.alias}\u0000${p.model}`, p]));
      version = operator.pullsVersion;
      byTarget = new Map();
      for (const t of catalog.targets()) {
        const pull = byKey.get(`${t.alias}\u0000${t.model}`);
        if (pull) byTarget.set(t.id, pull);
      }
    }
    return byTarget.get(target.id);
  };
}

function reportHealthEvent(
  event: HealthEvent,
  ctx: { catalog: Catalog; operator: OperatorStore; metrics: Metrics; log: Logger },
): void {
  const target = ctx.catalog.target(event.targetId);
  if (!target) return;
  const where = { alias: target.alias, upstream: target.upstream, model: target.model };
  switch (event.type) {
    case 'ejected':
      ctx.metrics.count(ctx.metrics.ejectionsDetected, target.alias, target.model);
      ctx.metrics.count(ctx.metrics.ejectionsEnforced, target.alias, target.model);
      ctx.log.warn(
        {
          event: 'ejected',
          ...where,
          until: new Date(event.until).toISOString(),
          ejections: event.ejections,
          reason: event.reason,
        },
        'target ejected',
      );
      ctx.operator.recordHealthEvent({
        action: 'eject',
        alias: target.alias,
        model: target.model,
        reason: event.reason,
        until: event.until,
      });
      return;
    case 'ejection_overflow':
      ctx.metrics.count(ctx.metrics.ejectionsDetected, target.alias, target.model);
      ctx.metrics.count(ctx.metrics.ejectionsOverflow, target.alias, target.model);
      ctx.log.warn(
        { event: 'ejection_overflow', ...where, reason: event.reason },
        'ejection detected but maxEjectionPercent keeps the target in rotation',
      );
      return;
    case 'checking':
      ctx.log.info({ event: 'health_checking', ...where }, 'ejection ended; health checks begin');
      return;
    case 'readmitted':
      ctx.log.info({ event: 'readmitted', ...where, reason: event.reason }, 'target re-admitted');
      ctx.operator.recordHealthEvent({
        action: 'readmit',
        alias: target.alias,
        model: target.model,
        reason: event.reason,
      });
      return;
  }
}

function deprecationHeaders(alias: AliasEntry): Record<string, string> | undefined {
  const text = deprecationWarning(alias);
  if (!text) return undefined;
  const headers: Record<string, string> = {
    // RFC 9111 Warning 299 ("miscellaneous persistent warning") is what API clients log; Deprecation/Sunset are RFC 9745/8594
    warning: `299 - "${text.replace(/"/g, "'")}"`,
    deprecation: 'true',
  };
  if (alias.shutdown) headers.sunset = new Date(`${alias.shutdown}T00:00:00Z`).toUTCString();
  if (alias.replacement) headers['x-aliasgate-replacement'] = alias.replacement;
  return headers;
}

function aliasHealth(
  alias: AliasEntry,
  health: HealthTable,
  pullOf: (target: Target) => Pull | undefined,
): AliasHealth {
  const targets: TargetStatus[] = alias.targets.map((t) => {
    const state = health.state(t.id);
    const stats = health.stats(t.id);
    const pull = pullOf(t);
    const base = {
      upstream: t.upstream,
      model: t.model,
      weight: t.weight,
      ...stats,
      inFlight: health.inFlight(t.id),
    };
    if (pull) return { ...base, state: 'pulled', pulledBy: pull.by, reason: pull.reason };
    if (state.state === 'healthy')
      return { ...base, state: health.inRotation(t.id) ? 'in_rotation' : 'ejected' };
    if (state.state === 'ejected')
      return { ...base, state: 'ejected', until: state.until, reason: state.reason };
    return { ...base, state: 'checking', reason: state.reason };
  });
  const inRotation = targets.filter((t) => t.state === 'in_rotation').length;
  return {
    status: inRotation === targets.length ? 'healthy' : inRotation > 0 ? 'degraded' : 'unavailable',
    targetsInRotation: inRotation,
    targets,
  };
}
