import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminAccess } from './admin/auth.js';
import { createAdminHandler } from './admin/server.js';
import { defaultTokenFile, ensureAdminToken } from './admin/token.js';
import { ClientAuth } from './api/auth.js';
import { answerClientError } from './api/client-errors.js';
import type { OpenStreams } from './api/forward.js';
import { createApiHandler } from './api/server.js';
import { Catalog } from './catalog/catalog.js';
import { resolvePulls } from './catalog/pulls.js';
import { type Clock, every, systemClock, type Timer } from './clock.js';
import type { Config } from './config/schema.js';
import { hashSecret } from './config/secret.js';
import { configWarnings } from './config/warnings.js';
import { Fleet } from './fleet/fleet.js';
import { HealthChecker } from './health/checker.js';
import { type HealthEvent, HealthTable } from './health/health-table.js';
import { mathRandom, type Random } from './random.js';
import { RetryBudget } from './routing/retry-budget.js';
import { Router } from './routing/router.js';
import { HEALTH_ACTOR, type OperatorStore } from './store/operator-store.js';
import type { SqliteOperatorStore } from './store/sqlite/sqlite-operator-store.js';
import { createLogger, type Logger } from './telemetry/log.js';
import { Metrics } from './telemetry/metrics.js';
import { reportTimeline } from './telemetry/timeline-report.js';
import { healthEntry } from './timeline/health-entries.js';
import { Timeline } from './timeline/timeline.js';
import { Upstreams } from './upstream/pools.js';

export interface GatewayDeps {
  clock?: Clock;
  random?: Random;
  log?: Logger;
  /** Operator state; by default the one config.state names (the SQLite file, or Redis in fleet mode). */
  operator?: OperatorStore;
  /** How often the health checker looks for due checks, ms (default: min(intervalMs, 1000)). */
  healthTickMs?: number;
  /** Demo mode only: the admin listener answers on loopback without a token (it fronts the built-in simulator). */
  openAdmin?: boolean;
}

export interface Gateway {
  readonly health: HealthTable;
  readonly checker: HealthChecker;
  readonly timeline: Timeline;
  catalog(): Catalog;
  /** The admin token this gateway generated (no token configured), for the CLI's start-up line; else undefined. */
  readonly generatedAdminToken: string | undefined;
  listen(
    port?: number,
    host?: string,
    admin?: { port?: number; host?: string },
  ): Promise<{ url: string; port: number; adminUrl: string; adminPort: number }>;
  close(): Promise<void>;
}

/**
 * The composition root: config → store → catalog and health → router → the client API and the admin API. The CLI,
 * tests and benchmarks start the gateway alike. Nothing here decides anything; each part does (README, architecture).
 */
export function createGateway(config: Config, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? mathRandom;
  const log = deps.log ?? createLogger(config.logging.level);
  const metrics = new Metrics();
  // what this replica shares with the others (state.redis), or keeps to itself
  const fleet = new Fleet(config, { clock, ...(deps.operator ? { operator: deps.operator } : {}) });
  const { replica, operator } = fleet;
  const catalog = new Catalog(config);
  const health = new HealthTable({
    policy: config.health,
    clock,
    random,
    groups: catalog.groups(),
    ...fleet.tableOptions(),
  });
  const applyPulls = () => health.setPulls(resolvePulls(catalog, operator.state().pulls));
  applyPulls();
  const stopPulls = operator.onChange(applyPulls);

  const timeline = new Timeline(clock);
  timeline.subscribe((entry) => reportTimeline(entry, { log, metrics, operator }));
  const onHealthEvents = (events: readonly HealthEvent[]) => {
    for (const event of events) {
      const entry = healthEntry(event, catalog, replica);
      if (entry) timeline.add(entry);
    }
    fleet.share(events);
  };
  fleet.follow(health, () => catalog, onHealthEvents);
  watchStore(operator, log, timeline);

  const upstreams = new Upstreams(config.upstreams);
  const router = new Router({
    catalog: () => catalog,
    health,
    upstreams,
    budget: new RetryBudget(config.routing.retryBudget, clock),
    policy: config.routing,
    clock,
    random,
    idleTimeoutMs: config.routing.idleTimeoutMs,
    observer: {
      attempt: (t, v) => metrics.attempt(t.alias, t.upstream, t.model, v.kind),
      healthEvents: onHealthEvents,
      budgetExhausted: (alias) => metrics.count(metrics.retryBudgetExhausted, alias.name),
    },
  });
  const checker = new HealthChecker({
    health,
    catalog: () => catalog,
    upstreams,
    clock,
    request: config.health.healthCheck.request,
    timeoutMs: config.health.healthCheck.timeoutMs,
    tickMs: deps.healthTickMs ?? Math.min(config.health.healthCheck.intervalMs, 1000),
    onEvents: onHealthEvents,
    lease: fleet.lease,
    onCheck(target, ok, reason) {
      metrics.count(metrics.healthChecks, target.alias, target.model, ok ? 'pass' : 'fail');
      timeline.add({
        kind: 'health_check',
        alias: target.alias,
        upstream: target.upstream,
        model: target.model,
        actor: replica,
        reason,
        ok,
      });
    },
  });
  metrics.observe({
    *targets() {
      for (const t of catalog.targets()) {
        const state = health.state(t.id);
        const out =
          state.state === 'ejected' || state.state === 'checking' ? { outSince: state.outSince } : {};
        yield { alias: t.alias, upstream: t.upstream, model: t.model, state: state.state, ...out };
      }
    },
    stores: () => [
      { store: 'operator', ...operator.status() },
      ...(fleet.mode === 'redis' ? [{ store: 'health', ...fleet.health.status() }] : []),
    ],
  });

  const generatedAdminToken =
    config.auth.adminTokenSha256 === undefined && !deps.openAdmin
      ? ensureAdminToken(config.admin.tokenFile ?? defaultTokenFile(config.state.sqlitePath))
      : undefined;
  const access: AdminAccess = {
    tokenSha256:
      config.auth.adminTokenSha256 ?? (generatedAdminToken ? hashSecret(generatedAdminToken) : undefined),
  };
  const streams: OpenStreams = new Map();
  const api = createApiHandler({
    router,
    catalog: () => catalog,
    health,
    auth: new ClientAuth(config.auth.clientKeys, fleet.limiter),
    metrics,
    log,
    clock,
    streams,
    limits: { bodyLimitBytes: config.server.bodyLimitBytes, maxInFlight: config.server.maxInFlight },
    accessLog: log.isLevelEnabled('debug'),
  });
  const admin = createAdminHandler({
    access,
    operator,
    metrics,
    log,
    clock,
    catalog: () => catalog,
    health,
    now: () => clock.now(),
    replica,
    fleet: () => fleet.describe(),
    stores: () => fleet.stores(),
  });

  let server: Server | undefined;
  let adminServer: Server | undefined;
  let stopRefresh: (() => void) | undefined;
  return {
    health,
    checker,
    timeline,
    catalog: () => catalog,
    generatedAdminToken,
    async listen(port = config.server.port, host = config.server.host, adminAt = {}) {
      await fleet.ready();
      server = createServer(
        {
          keepAliveTimeout: config.server.keepAliveTimeoutMs,
          headersTimeout: config.server.headersTimeoutMs,
          requestTimeout: config.server.requestTimeoutMs,
        },
        api,
      );
      server.maxConnections = config.server.maxConnections;
      server.on('clientError', answerClientError);
      adminServer = createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, admin);
      const data = await bind(server, port, host);
      const adminAddress = await bind(
        adminServer,
        adminAt.port ?? config.admin.port,
        adminAt.host ?? config.admin.host,
      );
      if (config.health.healthCheck.enabled) checker.start();
      // another process (a worker, `aliasgate pull --state`) may have written the state file: pick it up within a second
      stopRefresh = every(clock, 1000, () => operator.refresh());
      for (const warning of configWarnings(config, { openAdmin: deps.openAdmin === true })) {
        log.warn({ event: 'config_warning' }, warning);
      }
      return { url: data.url, port: data.port, adminUrl: adminAddress.url, adminPort: adminAddress.port };
    },
    async close() {
      checker.stop();
      stopRefresh?.();
      stopPulls();
      if (adminServer) {
        adminServer.closeAllConnections();
        await new Promise<void>((resolve) => adminServer!.close(() => resolve()));
      }
      if (server) await drain(server, streams, config.server.shutdownGraceMs, clock);
      await upstreams.close();
      await fleet.close();
    },
  };
}

async function bind(server: Server, port: number, host: string): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shown}:${address.port}`, port: address.port };
}

/** A store outage is logged once when it starts and once when it ends, and shown on the timeline. */
function watchStore(operator: OperatorStore, log: Logger, timeline: Timeline): void {
  const sqlite = operator as Partial<SqliteOperatorStore>;
  sqlite.onStatusChange?.((status) => {
    if (status.ok)
      log.info({ event: 'store_recovered', store: 'operator' }, 'operator store is writable again');
    else
      log.error(
        { event: 'store_unavailable', store: 'operator', detail: status.detail },
        'operator store unavailable',
      );
    timeline.add({
      kind: 'store',
      actor: HEALTH_ACTOR,
      reason: status.ok ? 'operator store is writable again' : `operator store unavailable: ${status.detail}`,
    });
  });
}

/**
 * Stops taking requests and lets those in flight finish for up to `graceMs`; streams still open then end with an
 * error event in their own framing (never a silent cut), and what is left is closed.
 */
async function drain(server: Server, openStreams: OpenStreams, graceMs: number, clock: Clock): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // connections that go idle after their last response are closed as they do
  const stopIdle = every(clock, 25, () => server.closeIdleConnections());
  server.closeIdleConnections();
  let last: Timer | undefined;
  const deadline = clock.setTimeout(() => {
    for (const end of [...openStreams.values()]) end();
    // a moment for those last events to leave, then whatever is still open (requests still waiting on an upstream)
    last = clock.setTimeout(() => server.closeAllConnections(), 200);
  }, graceMs);
  await closed;
  stopIdle();
  clock.clearTimeout(deadline);
  if (last) clock.clearTimeout(last);
}
