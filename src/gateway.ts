import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { AdminAccess } from './admin/auth.js';
import { AdminEvents } from './admin/events.js';
import { view as rolloutView } from './admin/lifecycle-routes.js';
import { createAdminHandler, type ReloadResult } from './admin/server.js';
import { statusBody } from './admin/status.js';
import { adminUrlFile, defaultTokenFile, ensureAdminToken, writeAdminUrl } from './admin/token.js';
import { ClientAuth } from './api/auth.js';
import { answerClientError } from './api/client-errors.js';
import { corsPolicy } from './api/cors.js';
import type { OpenStreams } from './api/forward.js';
import { createApiHandler } from './api/server.js';
import { Catalog } from './catalog/catalog.js';
import { aliasMethods, LearnedModels } from './catalog/learned-model.js';
import { type Clock, every, systemClock, type Timer } from './clock.js';
import { loadConfig } from './config/load.js';
import { needsRestart } from './config/reload.js';
import type { Config } from './config/schema.js';
import { hashSecret, sessionKeyOf } from './config/secret.js';
import { configWarnings } from './config/warnings.js';
import { Fleet } from './fleet/fleet.js';
import { HealthChecker } from './health/checker.js';
import { type HealthEvent, HealthTable } from './health/health-table.js';
import { resolvePulls } from './health/pulls.js';
import type { IncidentContext } from './incidents/report.js';
import { IncidentTracker } from './incidents/tracker.js';
import { LifecycleDriver } from './lifecycle/driver.js';
import { lifecycleOverlays, moving, retiredPulls, routedBy } from './lifecycle/overlays.js';
import { mathRandom, type Random } from './random.js';
import { isActive } from './rollout/plan.js';
import { RetryBudget } from './routing/retry-budget.js';
import { type LiveRouting, Router } from './routing/router.js';
import {
  HEALTH_ACTOR,
  type Incident,
  type OperatorState,
  type OperatorStore,
} from './store/operator-store.js';
import type { SqliteOperatorStore } from './store/sqlite/sqlite-operator-store.js';
import { createLogger, type Logger } from './telemetry/log.js';
import { Metrics } from './telemetry/metrics.js';
import { reportTimeline } from './telemetry/timeline-report.js';
import { Traffic } from './telemetry/traffic.js';
import { healthEntry } from './timeline/health-entries.js';
import { Timeline } from './timeline/timeline.js';
import { type LearnOptions, learnModels, learnTarget } from './upstream/model-info.js';
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
  /** The file the config came from: `reload()` reads it again (SIGHUP, `aliasgate reload`). */
  configPath?: string;
  env?: Record<string, string | undefined>;
  /** Called after a reload asked through the admin API took effect (a worker tells its primary). */
  onReloaded?: () => void;
}

export interface Gateway {
  readonly health: HealthTable;
  readonly checker: HealthChecker;
  /** Drives rollouts and drains (tests tick it themselves on a ManualClock). */
  readonly lifecycle: LifecycleDriver;
  readonly timeline: Timeline;
  catalog(): Catalog;
  /** Settles when the Model resources read at start (aliases without declared methods) have answered or failed. */
  modelsLearned(): Promise<void>;
  /** The admin token this gateway generated (no token configured), for the CLI's start-up line; else undefined. */
  readonly generatedAdminToken: string | undefined;
  listen(
    port?: number,
    host?: string,
    admin?: { port?: number; host?: string },
  ): Promise<{ url: string; port: number; adminUrl: string; adminPort: number }>;
  /**
   * Reads and validates the config file again; a good one takes effect for new requests, a bad one changes nothing.
   * `via`: who asked (the admin API, or SIGHUP), for the timeline and so a worker passes an API reload on.
   */
  reload(via?: 'admin' | 'signal'): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** What a config reload replaces as one value (requests in flight keep the one they began with). */
interface Live extends LiveRouting {
  config: Config;
  auth: ClientAuth;
  cors: ReturnType<typeof corsPolicy>;
}

/**
 * The composition root: config → store → catalog and health → router → the client API and the admin API. The CLI,
 * tests and benchmarks start the gateway alike. Nothing here decides anything; each part does (README, architecture).
 */
export function createGateway(config: Config, deps: GatewayDeps = {}): Gateway {
  keepRequestsYoung();
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? mathRandom;
  const log = deps.log ?? createLogger(config.logging.level);
  const metrics = new Metrics();
  // the dashboard's numbers: per target (each attempt) and per alias (each client request, with its attempts)
  const traffic = { targets: new Traffic(), aliases: new Traffic() };
  // what this replica shares with the others (state.redis), or keeps to itself
  const fleet = new Fleet(config, { clock, ...(deps.operator ? { operator: deps.operator } : {}) });
  const { replica, operator } = fleet;

  // the config's aliases with the operators' stage changes, and the rollouts' and drains' shares now, on top
  const catalogOf = (next: Config) => {
    const state = operator.state();
    return new Catalog(next, state.stages, lifecycleOverlays(state, clock.now()));
  };
  const liveOf = (next: Config, previous?: Live): Live => {
    const pools = previous ? previous.upstreams.next(next.upstreams) : undefined;
    for (const retired of pools?.retired ?? []) void retired.pool.close();
    return {
      config: next,
      catalog: catalogOf(next),
      upstreams: pools?.upstreams ?? new Upstreams(next.upstreams),
      budget: new RetryBudget(next.routing.retryBudget, clock),
      policy: next.routing,
      idleTimeoutMs: next.routing.idleTimeoutMs,
      auth: new ClientAuth(next.auth.clientKeys, fleet.limiter),
      cors: corsPolicy(next.server.cors.origins),
    };
  };
  let live = liveOf(config);
  const health = new HealthTable({
    policy: config.health,
    clock,
    random,
    groups: live.catalog.groups(),
    ...fleet.tableOptions(),
  });

  // the operator's pulls, stage changes, rollouts, drains and retirements (from any process sharing the store),
  // applied as they arrive; while a drain runs its share moves with time, so the catalog is rebuilt every second
  let overlaySeen = overlayKey(operator.state());
  const applyOperatorState = (force = false) => {
    const state = operator.state();
    const key = overlayKey(state);
    if (force || key !== overlaySeen) {
      overlaySeen = key;
      live = { ...live, catalog: catalogOf(live.config) };
      health.regroup(live.catalog.groups());
    }
    health.setPulls(
      resolvePulls(live.catalog, [...state.pulls, ...retiredPulls(live.catalog, state.retired)]),
    );
  };
  applyOperatorState();
  const stopOperatorState = operator.onChange(() => applyOperatorState());

  const timeline = new Timeline(clock);
  const incidents = new IncidentTracker(
    () => live.catalog,
    (i) => operator.saveIncident(i),
    replica,
  );
  timeline.subscribe((entry) => {
    reportTimeline(entry, { log, metrics, operator });
    incidents.timeline(entry);
  });
  const lifecycle = new LifecycleDriver({
    store: operator,
    clock,
    replica,
    catalog: () => live.catalog,
    inFlight: (id) => health.inFlight(id),
    timeline,
    log,
    saveIncident: (i) => operator.saveIncident(i),
  });
  const onHealthEvents = (events: readonly HealthEvent[]) => {
    for (const event of events) {
      const entry = healthEntry(event, live.catalog, replica);
      if (entry) timeline.add(entry);
    }
    fleet.share(events);
  };
  fleet.follow(health, () => live.catalog, onHealthEvents);
  watchStore(operator, log, timeline);

  // methods of aliases that declare none, read from their upstreams at start and on reload, and by the router when
  // an upstream's 404 may mean "no such method" rather than "no such model"
  const learned = new LearnedModels();
  const learnOptions = (): LearnOptions => ({
    clock,
    timeoutMs: live.config.health.healthCheck.timeoutMs,
    stopped: () => closing,
    onUnknown: (upstream, model, why) =>
      log.info(
        { event: 'model_unknown', upstream, model, why },
        'could not read the Model resource: its aliases pass every method to the upstream',
      ),
  });
  const router = new Router({
    live: () => live,
    learned,
    learnTarget: (target) =>
      learnTarget(live.upstreams, learned, target.upstream, target.model, learnOptions()),
    health,
    clock,
    random,
    observer: {
      attempt(t, v, ms) {
        metrics.attempt(t.alias, t.upstream, t.model, v.kind);
        lifecycle.observe(t, v);
        traffic.targets.record(t.id, clock.now(), v.kind === 'ok' || v.kind === 'client_error', ms);
        incidents.attempt(t.id, v);
      },
      retried: (t) => incidents.retried(t.id),
      healthEvents: onHealthEvents,
      budgetExhausted: (alias) => metrics.count(metrics.retryBudgetExhausted, alias.name),
    },
  });
  const checker = new HealthChecker({
    health,
    live: () => live,
    clock,
    request: config.health.healthCheck.request,
    methods: (target) => {
      const alias = live.catalog.get(target.alias);
      return alias && aliasMethods(alias, learned);
    },
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
      for (const t of live.catalog.targets()) {
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

  const tokenFile = config.admin.tokenFile ?? defaultTokenFile(config.state.sqlitePath);
  const generatedAdminToken =
    config.auth.adminTokenSha256 === undefined && !deps.openAdmin ? ensureAdminToken(tokenFile) : undefined;
  let forgetAdminUrl: (() => void) | undefined;
  const tokenSha256 =
    config.auth.adminTokenSha256 ?? (generatedAdminToken ? hashSecret(generatedAdminToken) : undefined);
  const access: AdminAccess = {
    tokenSha256,
    // from the token when this process has it; with only a digest configured, a random key kept beside the token
    // file (sessions then hold per host)
    ...(tokenSha256 === undefined
      ? {}
      : {
          sessionKey:
            config.auth.adminSessionKey ??
            (generatedAdminToken
              ? sessionKeyOf(generatedAdminToken)
              : ensureAdminToken(join(dirname(tokenFile), 'session-key'))),
        }),
  };
  const streams: OpenStreams = new Map();
  const api = createApiHandler({
    router,
    catalog: () => live.catalog,
    health,
    auth: () => live.auth,
    metrics,
    traffic: traffic.aliases,
    log,
    clock,
    streams,
    limits: () => ({
      bodyLimitBytes: live.config.server.bodyLimitBytes,
      maxInFlight: live.config.server.maxInFlight,
    }),
    accessLog: log.isLevelEnabled('debug'),
    cors: (req, res) => live.cors(req, res),
    learned,
  });
  const sources = {
    catalog: () => live.catalog,
    health,
    traffic,
    now: () => clock.now(),
    replica,
    fleet: () => fleet.describe(),
    stores: () => fleet.stores(),
    rollout: (alias: string) => {
      const mine = operator.state().rollouts.filter((x) => x.alias === alias);
      const r = mine.find(isActive) ?? mine.at(-1);
      return r ? rolloutView({ driver: lifecycle }, r) : undefined;
    },
    drains: (alias: string) =>
      operator.state().drains.filter((d) => d.alias === alias && d.state === 'draining'),
  };
  const events = new AdminEvents(timeline, () => statusBody(sources), clock);

  /** Retired builds a config would route to again (listed on an alias, not pulled there). */
  const retiredStillRouted = (next: Config) => {
    const state = operator.state();
    const catalog = new Catalog(next, state.stages, lifecycleOverlays(state, clock.now()));
    return state.retired
      .map((r) => ({ ...r, aliases: routedBy(catalog, state.pulls, state, r.upstream, r.model) }))
      .filter((r) => r.aliases.length > 0);
  };

  const reload = async (via: 'admin' | 'signal' = 'admin', force = false): Promise<ReloadResult> => {
    if (!deps.configPath) return { ok: false, error: 'the gateway was started without a config file' };
    let next: Config;
    try {
      next = loadConfig(deps.configPath, deps.env ?? process.env);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log.error(
        { event: 'reload_refused', error },
        'config reload refused; the running config keeps serving',
      );
      timeline.add({ kind: 'reload', actor: 'operator', reason: `refused: ${error}` });
      return { ok: false, error };
    }
    const retired = retiredStillRouted(next);
    if (retired.length > 0 && !force) {
      const error =
        `${retired.map((r) => `${r.upstream}/${r.model} (aliases ${r.aliases.join(', ')})`).join('; ')} ` +
        'was retired: take it out of the file, or reload with --force to bring it back';
      log.error(
        { event: 'reload_refused', error },
        'config reload refused; the running config keeps serving',
      );
      timeline.add({ kind: 'reload', actor: 'operator', reason: `refused: ${error}` });
      return { ok: false, error };
    }
    for (const r of retired) {
      await operator.setRetired(
        {
          upstream: r.upstream,
          model: r.model,
          by: 'operator',
          at: clock.now(),
          reason: 'config reloaded with --force',
        },
        false,
      );
    }
    const warnings = needsRestart(live.config, next);
    live = liveOf(next, live);
    applyOperatorState(true);
    traffic.targets.retain(new Set(live.catalog.targets().map((t) => t.id)));
    traffic.aliases.retain(new Set(live.catalog.aliases().map((a) => a.name)));
    log.level = next.logging.level;
    if (server) applyServerLimits(server, next);
    log.info({ event: 'reloaded', file: deps.configPath, via, warnings }, 'config reloaded');
    timeline.add({
      kind: 'reload',
      actor: 'operator',
      reason: `config reloaded from ${deps.configPath}${warnings.length ? `; ${warnings.join('; ')}` : ''}`,
    });
    operator.append({
      actor: 'operator',
      action: 'reload',
      alias: '',
      model: '',
      reason: `config reloaded from ${deps.configPath} (${via === 'signal' ? 'SIGHUP' : 'admin API'})`,
    });
    if (server) learning = learn(); // targets added by this file
    if (via === 'admin') deps.onReloaded?.();
    return { ok: true, warnings };
  };

  const learn = () => learnModels(live.catalog, live.upstreams, learned, learnOptions());

  const admin = createAdminHandler({
    ...sources,
    access,
    operator,
    metrics,
    log,
    clock,
    timeline,
    events,
    incidents,
    incidentContext: (incident) => incidentContext(incident, live, health, traffic.targets, clock.now()),
    lifecycle: {
      driver: lifecycle,
      store: operator,
      timeline,
      context: () => ({
        catalog: live.catalog,
        configured: (alias) => live.config.aliases[alias]?.targets ?? [],
        upstreams: Object.keys(live.config.upstreams),
        state: operator.state(),
        now: clock.now(),
      }),
    },
    ...(deps.configPath ? { reload } : {}),
  });

  let server: Server | undefined;
  let adminServer: Server | undefined;
  let stopRefresh: (() => void) | undefined;
  let closing = false;
  let learning: Promise<void> = Promise.resolve();
  return {
    health,
    checker,
    lifecycle,
    timeline,
    catalog: () => live.catalog,
    generatedAdminToken,
    reload,
    modelsLearned: () => learning,
    async listen(port = config.server.port, host = config.server.host, adminAt = {}) {
      await fleet.ready();
      server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, api);
      applyServerLimits(server, live.config);
      server.on('clientError', answerClientError);
      adminServer = createServer(
        { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: CONNECTIONS_CHECK_MS },
        admin,
      );
      const data = await bind(server, port, host);
      // both listeners or neither: a gateway whose admin port is taken must not serve on without its operator API
      const adminAddress = await bind(
        adminServer,
        adminAt.port ?? config.admin.port,
        adminAt.host ?? config.admin.host,
      ).catch(async (e: unknown) => {
        await new Promise((resolve) => server!.close(resolve));
        throw e;
      });
      if (config.health.healthCheck.enabled) checker.start();
      if (config.state.sqlitePath !== ':memory:' || config.admin.tokenFile) {
        forgetAdminUrl = writeAdminUrl(adminUrlFile(tokenFile), adminAddress.url);
      }
      learning = learn();
      // another process (a worker, `aliasgate pull --state`) may have written the state file: pick it up within a second
      stopRefresh = every(clock, 1000, () => {
        operator.refresh();
        incidents.flush();
        if (moving(operator.state())) applyOperatorState(true);
        void lifecycle.tick();
      });
      for (const warning of configWarnings(config, { openAdmin: deps.openAdmin === true })) {
        log.warn({ event: 'config_warning' }, warning);
      }
      return { url: data.url, port: data.port, adminUrl: adminAddress.url, adminPort: adminAddress.port };
    },
    async close() {
      closing = true;
      forgetAdminUrl?.();
      checker.stop();
      stopRefresh?.();
      stopOperatorState();
      incidents.flush();
      events.close();
      if (adminServer) {
        adminServer.closeAllConnections();
        await new Promise<void>((resolve) => adminServer!.close(() => resolve()));
      }
      if (server) await drain(server, streams, live.config.server.shutdownGraceMs, clock);
      await live.upstreams.close();
      await fleet.close();
    },
  };
}

/**
 * Turns off V8's allocation-site pretenuring for this process. Under steady load V8 decided to allocate some of the
 * request path's short-lived objects straight into the old generation; a dead old object still points at the young
 * objects of its request, so the next scavenges kept and promoted them, and they in turn pointed at the next ones:
 * about 6.5 KB of every request reached the old generation and a mark-compact ran every second (GC 6 µs per request
 * instead of 1.6). Whether it happened depended on timing, so it came and went between builds. Nothing aliasgate
 * keeps for long is allocated in bursts large enough for pretenuring to matter.
 */
function keepRequestsYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** What of the operator state changes the catalog: stage changes, and the rollouts' and drains' records. */
function overlayKey(state: OperatorState): string {
  return JSON.stringify([state.stages, state.rollouts, state.drains]);
}

/** The config, and the alias's other targets now, for an incident's report. */
function incidentContext(
  incident: Incident,
  live: Live,
  health: HealthTable,
  traffic: Traffic,
  now: number,
): IncidentContext {
  const upstream = live.config.upstreams[incident.upstream];
  const siblings = (live.catalog.get(incident.alias)?.targets ?? [])
    .filter((t) => t.upstream !== incident.upstream || t.model !== incident.model)
    .map((t) => {
      const { m5 } = traffic.windows(t.id, now);
      return {
        upstream: t.upstream,
        model: t.model,
        state: health.state(t.id).state,
        requests: m5.requests,
        failures: m5.failures,
      };
    });
  return {
    baseUrl: upstream?.baseUrl ?? '(an upstream no longer configured)',
    apiVersion: upstream?.apiVersion ?? 'v1beta',
    body: live.config.health.healthCheck.request,
    siblings,
    now,
  };
}

/**
 * How often Node looks for connections past their header or request time. It only checks on this timer (its
 * default is 30 s), so a client that trickles its headers would otherwise live up to 30 s past `headersTimeoutMs`;
 * at 1 s it is cut within a second of it. A check walks the open connections in C++: cheap even at thousands.
 */
const CONNECTIONS_CHECK_MS = 1000;

/** The client listener's bounds, set at start and again on every reload. */
function applyServerLimits(server: Server, config: Config): void {
  server.maxConnections = config.server.maxConnections;
  server.headersTimeout = config.server.headersTimeoutMs;
  server.requestTimeout = config.server.requestTimeoutMs;
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs;
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
