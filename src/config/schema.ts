// biome-ignore-all lint/suspicious/noTemplateCurlyInString: field descriptions show the ${ENV} syntax users write
import * as z from 'zod';
import { GENERATION_METHODS, type GenerateContentRequest } from '../wire/types.js';
import {
  booleanField,
  calendarDate,
  HEADER_NAME,
  integer,
  modelId,
  numberField,
  sha256Digest,
  UPSTREAM_NAME,
  UPSTREAM_NAME_HINT,
} from './scalars.js';
import { hashSecret, sessionKeyOf } from './secret.js';

/**
 * The one definition of aliasgate's config (docs/design.md §10). `Config` is the parsed value with
 * every default applied. Field descriptions follow Envoy's habit: what it is, its unit, its default.
 * Objects are strict: an unknown key is an error naming it (a typo must not silently fall back to a
 * default). Cross-field rules live in cross-checks.ts.
 */

export const STAGES = ['ga', 'preview', 'experimental', 'deprecated'] as const;
export type Stage = (typeof STAGES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `*`, or an origin as a browser sends it: scheme, host and port, nothing after. */
const CORS_ORIGIN = /^(\*|https?:\/\/[^/\s]+)$/;

export const CorsSchema = z.strictObject({
  origins: z
    .array(z.string().regex(CORS_ORIGIN, "expected '*' or an origin like https://app.example.com (no path)"))
    .default(() => ['*'])
    .describe(
      "Web origins whose pages may call the gateway (CORS, as Google's endpoint allows). `*` is any origin; an empty " +
        'list turns cross-origin access off. Default [*].',
    ),
});

export const ServerSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface the gateway listens on. Default 127.0.0.1.'),
  port: integer(0, 65535)
    .default(8080)
    .describe('TCP port the gateway listens on; 0 picks a free port. Default 8080.'),
  bodyLimitBytes: integer(1)
    .default(32 * 1024 * 1024)
    .describe(
      'Largest request body accepted, in bytes; larger bodies get 413. The body is kept in memory so any ' +
        'attempt can resend it. Default 33554432 (32 MiB).',
    ),
  maxConnections: integer(1)
    .default(8192)
    .describe(
      'Client connections open at once; beyond it new connections are closed at once, so idle sockets cannot use up ' +
        'file descriptors the upstream calls need. Default 8192.',
    ),
  maxInFlight: integer(1)
    .default(4096)
    .describe(
      'Requests in flight at once; beyond it a request gets 503 UNAVAILABLE with Retry-After at once, before its body ' +
        'is read. Default 4096.',
    ),
  headersTimeoutMs: integer(1)
    .default(15_000)
    .describe(
      'Time a client has to send the request headers, in ms; a slower client gets 408 and is cut off within a ' +
        'second of it. Default 15000.',
    ),
  requestTimeoutMs: integer(1)
    .default(120_000)
    .describe(
      'Time a client has to send the whole request, body included, in ms; enforced like headersTimeoutMs. ' +
        'Default 120000.',
    ),
  keepAliveTimeoutMs: integer(1)
    .default(65_000)
    .describe(
      'How long an idle client connection is kept open, in ms; above the 60 s of common load balancers so they ' +
        'close first. Default 65000.',
    ),
  instanceName: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\s]+$/, 'expected a name without spaces')
    .optional()
    .describe(
      "Names this replica in the audit log, the timeline, status and the fleet's replica list. Give every replica its " +
        'own, usually `${HOSTNAME}` or `${POD_NAME}` (one config file serves the whole fleet); `serve --workers N` adds ' +
        '/w<n> per worker. Default: hostname:pid.',
    ),
  shutdownGraceMs: integer(0)
    .default(30_000)
    .describe(
      'On stop, time given to requests in flight to finish, in ms; streams still open then end with an error ' +
        'event, never a silent cut. Default 30000 (an answer can take that long).',
    ),
  cors: CorsSchema.prefault({}).describe(
    'Cross-origin calls from web pages to the client listener (the admin listener never allows them).',
  ),
});

/**
 * zod skips a refinement when the object already has issues; these "one of two keys" rules only
 * look at key presence, so they can run anyway and every problem is reported in one pass.
 */
function reportAlongsideOtherIssues(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null;
}

const RateLimitSchema = z
  .strictObject({
    requestsPerSecond: numberField(z.number().gt(0)).describe('Sustained requests per second. Required.'),
    burst: integer(1)
      .optional()
      .describe(
        'Requests allowed at once above the sustained rate (the bucket size). Default: requestsPerSecond, at least 1.',
      ),
  })
  .transform((r) => ({
    requestsPerSecond: r.requestsPerSecond,
    burst: r.burst ?? Math.max(1, Math.ceil(r.requestsPerSecond)),
  }));

const ClientKeySchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Who this key belongs to; on every access-log line and in the per-key metrics. Required.'),
    sha256: sha256Digest().optional().describe('Hex SHA-256 of the key. Give this or `key`.'),
    key: z
      .string()
      .min(1)
      .optional()
      .describe('The key in clear, usually `${ENV}`; hashed at load and never kept. Give this or `sha256`.'),
    aliases: z
      .array(modelId())
      .min(1)
      .optional()
      .describe(
        'The aliases this key may call (fallbacks of an allowed alias included); others get 403 PERMISSION_DENIED. ' +
          'Default: every alias.',
      ),
    rateLimit: RateLimitSchema.optional().describe(
      'A token bucket per key: beyond it, 429 RESOURCE_EXHAUSTED with Retry-After and RetryInfo. Default: none.',
    ),
  })
  .refine((k) => (k.sha256 === undefined) !== (k.key === undefined), {
    message: 'give exactly one of sha256 or key',
    when: reportAlongsideOtherIssues,
  })
  .transform((k) => ({
    name: k.name,
    sha256: k.sha256 ?? hashSecret(k.key ?? ''),
    ...(k.aliases ? { aliases: k.aliases } : {}),
    ...(k.rateLimit ? { rateLimit: k.rateLimit } : {}),
  }));

export const AuthSchema = z
  .strictObject({
    clientKeys: z
      .array(ClientKeySchema)
      .default(() => [])
      .describe(
        'API keys clients may present (x-goog-api-key, ?key= or Bearer). Empty: the gateway is open to ' +
          'anyone who can reach it (a warning is logged at start). Default [].',
      ),
    adminToken: z
      .string()
      .optional()
      .describe(
        'Bearer token for the admin API, usually `${ALIASGATE_ADMIN_TOKEN}`; hashed at load. Empty or absent: see ' +
          'adminTokenSha256. Optional.',
      ),
    adminTokenSha256: sha256Digest()
      .optional()
      .describe(
        'Hex SHA-256 of the admin token, instead of `adminToken`. With neither, `serve` generates a token at start ' +
          'and keeps it in admin.tokenFile (demo mode alone stays open on loopback). Optional.',
      ),
  })
  .refine((a) => a.adminToken === undefined || a.adminTokenSha256 === undefined, {
    message: 'give adminToken or adminTokenSha256, not both',
    when: reportAlongsideOtherIssues,
  })
  .transform(({ clientKeys, adminToken, adminTokenSha256 }) => {
    const digest = adminTokenSha256 ?? (adminToken ? hashSecret(adminToken) : undefined);
    if (digest === undefined) return { clientKeys };
    // the plain token is dropped here; what the dashboard's sessions need of it is derived now
    return adminToken
      ? { clientKeys, adminTokenSha256: digest, adminSessionKey: sessionKeyOf(adminToken) }
      : { clientKeys, adminTokenSha256: digest };
  });

export const AdminSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Interface the admin API and dashboard listen on, apart from client traffic, so a proxy in front of the ' +
        'client port never reaches them. Default 127.0.0.1.',
    ),
  port: integer(0, 65535)
    .default(8081)
    .describe('TCP port of the admin API and dashboard; 0 picks a free port. Default 8081.'),
  tokenFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Where the admin token generated at start (when auth.adminToken is not set) is kept, mode 0600, for the CLI on ' +
        'the same machine. Default: admin-token beside state.sqlitePath, or .aliasgate/admin-token.',
    ),
});

export const RedisSchema = z.strictObject({
  url: z
    .string()
    .refine(
      isRedisUrl,
      'expected a redis:// or rediss:// URL, e.g. redis://:${REDIS_PASSWORD}@10.0.0.5:6379/0',
    )
    .describe(
      'Redis shared by every replica: redis://[user:password@]host[:port][/db], or rediss:// for TLS. Put the ' +
        'password in the URL, usually as `${REDIS_PASSWORD}`; it is never logged. Required.',
    ),
  keyPrefix: z
    .string()
    .min(1)
    .default('aliasgate:')
    .describe(
      'Prefix of every key and channel aliasgate uses, so several fleets can share one Redis. Default aliasgate:.',
    ),
});

function isRedisUrl(text: string): boolean {
  // the scheme as written: ioredis turns TLS on only for a lower-case rediss://
  if (!text.startsWith('redis://') && !text.startsWith('rediss://')) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

export const StateSchema = z.strictObject({
  sqlitePath: z
    .string()
    .min(1)
    .default('.aliasgate/state.db')
    .describe(
      'SQLite file for operator state (pulls, audit log, incident history), relative to the working ' +
        "directory; parent directories are created. ':memory:' keeps it in memory (lost on exit). " +
        'Default .aliasgate/state.db. Not used when `redis` is set.',
    ),
  redis: RedisSchema.optional().describe(
    'Fleet mode: replicas share operator state (pulls, audit log), ejections and health-check leases, and client ' +
      "keys' rate limits through this Redis. Routing never waits for it; without it each replica serves on its own " +
      'view. Default: none (SQLite and memory, one replica).',
  ),
});

export const LoggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info').describe('pino log level. Default info.'),
});

export const UpstreamSchema = z
  .strictObject({
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .transform((url) => url.replace(/\/+$/, ''))
      .describe(
        'Origin (and optional path prefix) of a Gemini-wire API, e.g. https://generativelanguage.googleapis.com; ' +
          'trailing slashes are dropped. Required.',
      ),
    apiKey: z
      .string()
      .min(1)
      .optional()
      .describe('Key sent as x-goog-api-key on every call, usually `${GEMINI_API_KEY}`. Optional.'),
    apiVersion: z
      .string()
      .regex(/^v[0-9][0-9a-z]*$/, 'expected an API version like v1beta')
      .optional()
      .describe(
        'Pins the path version segment used for calls to this upstream. Default: none, the version the client ' +
          'called (v1 or v1beta) is kept.',
      ),
    connections: integer(1)
      .default(1024)
      .describe('Most open keep-alive connections to this upstream (Envoy max_connections). Default 1024.'),
    maxRequestsPerTarget: integer(1)
      .optional()
      .describe(
        'Attempts one target of this upstream may have in flight at once; a target at the limit counts as busy and ' +
          'traffic goes to its siblings (or the request gets 503 + Retry-After at once), so one hung build cannot hold ' +
          'every connection (Envoy max_requests, per target). Default: half of connections, rounded up (512 with the ' +
          'default 1024), so a hung build leaves the other half of the pool to the rest.',
      ),
    maxPending: integer(0)
      .default(1024)
      .describe(
        'Attempts that may wait for a free connection to this upstream; beyond it the upstream counts as busy and ' +
          'requests fail fast with 503 + Retry-After instead of queueing (Envoy max_pending_requests). Default 1024.',
      ),
    connectTimeoutMs: integer(1)
      .default(5000)
      .describe('Time allowed to open a TCP/TLS connection, in ms. Default 5000.'),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'expected an HTTP header name'), z.string())
      .default(() => ({}))
      .describe('Extra headers sent on every call to this upstream. Default {}.'),
  })
  .transform((u) => ({ ...u, maxRequestsPerTarget: u.maxRequestsPerTarget ?? Math.ceil(u.connections / 2) }));

export const TargetSchema = z.strictObject({
  upstream: z
    .string()
    .regex(UPSTREAM_NAME, UPSTREAM_NAME_HINT)
    .describe('Name of a declared upstream that serves this target. Required.'),
  model: modelId().describe('Model id to call on that upstream (no `models/` prefix). Required.'),
  weight: numberField(z.number().gt(0))
    .default(1)
    .describe('Relative share of traffic among the alias’s healthy targets; > 0. Default 1.'),
});

export const AliasSchema = z.strictObject({
  stage: z
    .enum(STAGES)
    .optional()
    .describe('Lifecycle stage advertised to clients. Optional, no default (no stage claimed).'),
  replacement: modelId()
    .optional()
    .describe('Model clients should move to; may name a model this gateway does not serve. Optional.'),
  shutdown: calendarDate().optional().describe('Date the alias stops being served, YYYY-MM-DD. Optional.'),
  displayName: z.string().min(1).optional().describe('Model.displayName. Default: the alias name.'),
  description: z.string().optional().describe('Model.description. Optional.'),
  methods: z
    .array(z.enum(GENERATION_METHODS))
    .min(1)
    .optional()
    .describe(
      'Model.supportedGenerationMethods and the only verbs routed for this alias. Default: learned at start from the ' +
        "first target's Model resource on its upstream (supportedGenerationMethods); until then, or when it cannot " +
        'be read, every verb is passed through and the upstream decides.',
    ),
  exposeBuilds: booleanField()
    .default(true)
    .describe(
      'Whether answers may name the model that served: false rewrites `modelVersion` (Gemini) and `model` ' +
        '(OpenAI-compatible) to the alias name, unary and streamed, and leaves out x-aliasgate-target, so build ' +
        'names never reach clients. Default true.',
    ),
  model: z
    .record(z.string(), z.unknown())
    .default(() => ({}))
    .describe(
      'Extra Model-resource fields to advertise (inputTokenLimit, outputTokenLimit, thinking, …). Default {}.',
    ),
  targets: z
    .array(TargetSchema)
    .min(1)
    .describe('Where requests for this alias can go, picked by weight among healthy targets. At least one.'),
  fallback: z
    .array(modelId())
    .default(() => [])
    .describe('Sibling aliases tried, in order, when no target of this alias can serve. Default [].'),
});

export const RetryBudgetSchema = z.strictObject({
  percent: numberField(z.number().min(0).max(100))
    .default(20)
    .describe('Retries allowed as a percentage of requests in the window (Envoy RetryBudget). Default 20.'),
  minRetriesPerSecond: numberField(z.number().min(0))
    .default(10)
    .describe('Retries per second always allowed, whatever the percentage. Default 10.'),
  windowMs: integer(1)
    .default(10_000)
    .describe('Sliding window the budget is measured over, in ms. Default 10000.'),
});

export const RoutingSchema = z.strictObject({
  maxAttempts: integer(1)
    .default(4)
    .describe('Upstream attempts per client request, fallbacks included. Default 4.'),
  maxAttemptsPerAlias: integer(1)
    .default(2)
    .describe(
      'Attempts on one alias before moving down its fallback chain (client mode retries the same provider ' +
        'alias this often). Default 2.',
    ),
  perTryTimeoutMs: integer(1)
    .default(30_000)
    .describe('Time to the first response byte of one attempt, in ms. Default 30000.'),
  deadlineMs: integer(1)
    .default(60_000)
    .describe('Whole request, until the first byte reaches the client, in ms. Default 60000.'),
  minAttemptMs: integer(0)
    .default(100)
    .describe(
      'Least time left before the deadline worth starting another attempt with, in ms; with less left the request ' +
        'ends as 504 DEADLINE_EXCEEDED rather than send an attempt that cannot finish. Default 100.',
    ),
  idleTimeoutMs: integer(1)
    .default(300_000)
    .describe(
      'Longest silence between two body chunks once an answer is being forwarded, in ms; then the stream ends ' +
        'with an error event instead of hanging. Default 300000.',
    ),
  retryBudget: RetryBudgetSchema.prefault({}).describe('Cap on retries so they cannot multiply an outage.'),
});

export const FailureRateSchema = z.strictObject({
  threshold: numberField(z.number().gt(0).max(1))
    .default(0.5)
    .describe('Failure fraction (0..1] over the window that ejects a target. Default 0.5.'),
  minRequests: integer(1)
    .default(20)
    .describe('Requests a target must have in the window before its failure rate counts. Default 20.'),
  windowMs: integer(1)
    .default(30_000)
    .describe('Window the failure rate is measured over, in ms. Default 30000.'),
});

const DEFAULT_HEALTH_CHECK_REQUEST = (): GenerateContentRequest => ({
  contents: [{ role: 'user', parts: [{ text: 'health check' }] }],
  generationConfig: { maxOutputTokens: 1 },
});

export const HealthCheckSchema = z.strictObject({
  enabled: booleanField()
    .default(true)
    .describe('Send health checks to ejected targets to decide re-admission. Default true.'),
  intervalMs: integer(1)
    .default(5000)
    .describe(
      'Time between health checks of one ejected target, in ms (backs off while failing). Default 5000.',
    ),
  timeoutMs: integer(1).default(10_000).describe('Time allowed for one health check, in ms. Default 10000.'),
  healthyThreshold: integer(1)
    .default(2)
    .describe('Consecutive passing health checks that re-admit a target. Default 2.'),
  request: z
    .looseObject({ contents: z.array(z.looseObject({ parts: z.array(z.looseObject({})).min(1) })).min(1) })
    .transform((request) => request as GenerateContentRequest)
    .default(DEFAULT_HEALTH_CHECK_REQUEST)
    .describe(
      'generateContent body sent as the health check. Default: one user turn "health check", maxOutputTokens 1. ' +
        'Targets of an alias that serves embeddings and not generation are checked with embedContent of "health check".',
    ),
});

export const HealthSchema = z.strictObject({
  consecutiveTargetFaults: integer(1)
    .default(3)
    .describe('Consecutive target_fault verdicts (e.g. 404 model not found) that eject a target. Default 3.'),
  consecutiveTransient: integer(1)
    .default(5)
    .describe('Consecutive transient verdicts (5xx, reset, timeout) that eject a target. Default 5.'),
  failureRate: FailureRateSchema.prefault({}).describe(
    'Ejection by failure rate (Envoy success-rate detection).',
  ),
  baseEjectionMs: integer(1)
    .default(30_000)
    .describe(
      'Ejection time, multiplied by the number of times the target was ejected, in ms. Default 30000.',
    ),
  maxEjectionMs: integer(1).default(300_000).describe('Cap on one ejection, in ms. Default 300000.'),
  maxEjectionJitterMs: integer(0)
    .default(1000)
    .describe('Random extra ejection time, up to this many ms. Default 1000.'),
  maxEjectionPercent: numberField(z.number().min(0).max(100))
    .default(100)
    .describe(
      'Most targets of one alias ejected at once, in percent; at least one may always be ejected (Envoy). ' +
        'Default 100: an alias whose targets are all failing should send its traffic down the fallback chain ' +
        'at the first attempt, not spend a retry per request on a target kept in rotation by the cap; when the ' +
        'whole chain is out, the least-bad target is still tried. Lower it for aliases without fallbacks.',
    ),
  healthCheck: HealthCheckSchema.prefault({}).describe('Active health checks, sent only to ejected targets.'),
});

export const ConfigSchema = z.strictObject({
  server: ServerSchema.prefault({}).describe('Where the gateway listens.'),
  auth: AuthSchema.prefault({}).describe('Who may call the gateway and its admin API.'),
  admin: AdminSchema.prefault({}).describe('The admin API and dashboard listener.'),
  state: StateSchema.prefault({}).describe('Where operator state is kept.'),
  logging: LoggingSchema.prefault({}).describe('Log output.'),
  upstreams: z
    .record(z.string(), UpstreamSchema)
    .describe('Named Gemini-wire endpoints targets can call. Required, at least one.'),
  aliases: z
    .record(z.string(), AliasSchema)
    .describe('The model names clients ask for, in the order GET models lists them. Required, at least one.'),
  routing: RoutingSchema.prefault({}).describe('The attempt loop: retries, timeouts, budget.'),
  health: HealthSchema.prefault({}).describe(
    'Passive outlier detection plus health checks of ejected targets.',
  ),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
export type AuthConfig = Config['auth'];
export type ClientKeyConfig = AuthConfig['clientKeys'][number];
export type UpstreamConfig = Config['upstreams'][string];
export type AliasConfig = Config['aliases'][string];
export type TargetConfig = AliasConfig['targets'][number];
export type RoutingConfig = Config['routing'];
export type HealthConfig = Config['health'];
export type RedisConfig = NonNullable<Config['state']['redis']>;
