import { z } from 'zod';

/**
 * The scenario: what the simulated Gemini fleet serves and how each backing build behaves.
 * This zod schema is the one definition of the format; scenarios/incident.yaml shows it in use.
 *
 * ```yaml
 * seed: 7                      # optional; seeds load balancing, failure rates, latency, ids (default 1)
 * apiKeys: [sim-key]           # optional; when set, a missing key → 403, a wrong one → 400 (docs/wire.md §2.1)
 * defaults:                    # optional; knobs every build inherits unless it sets its own
 *   streamChunks: 5            #   chunks in a streamed answer (default 5)
 *   chunkIntervalMs: 0         #   pause between stream chunks, ms (default 0)
 *   responseTokens: 40         #   size of a text answer, tokens ≈ chars/4 (default 40)
 *   latency: { p50Ms: 80, p99Ms: 400 }   # time before the first byte (default none)
 * models:                      # the public catalogue (GET models lists these, never the builds)
 *   gemini-3.5-flash:          # the alias clients call
 *     displayName: Gemini 3.5 Flash   # Model-resource fields, all optional (docs/wire.md §6)
 *     builds:                  # backing builds; the alias picks one per request by weight
 *       - name: gemini-v4p1s-rev24-ajax-sentinel   # also callable directly by this name
 *         weight: 68
 *         behaviour: { kind: dead }
 *       - name: gemini-3.5-flash-001
 *         weight: 32
 *         latency: 120         # fixed ms, or { p50Ms, p99Ms } for a lognormal
 *   gemini-embedding-001: {}   # no builds: one healthy build with the model's own name
 * ```
 *
 * Behaviours (`behaviour.kind`); every kind but `healthy` takes `rate` (0..1, default 1): the
 * share of requests it hits, the rest are answered healthily.
 * - `healthy`: answers.
 * - `dead`: 404 NOT_FOUND `Model not found: models/<build>` (the incident).
 * - `overloaded`: 429 RESOURCE_EXHAUSTED with RetryInfo `retryDelayMs` (default 5000); `retryInfo: false`
 *   leaves the RetryInfo detail out (a 429 that does not say how long to wait).
 * - `transient`: a 5xx, `status` (default 503 UNAVAILABLE "This model is currently experiencing high demand…").
 * - `hang`: never answers; the request stays open until the client goes away.
 * - `reset`: destroys the socket without an answer.
 * - `streamCut`: a stream's socket is destroyed after `afterChunks` chunks (default 1); on unary methods, `reset`.
 * - `streamError`: after `afterChunks` chunks a stream ends with Google's bare error object (docs/wire.md §7.3),
 *   status `status` (default 503); on unary methods, that error.
 * - `malformed`: 200 with a body that is not valid JSON.
 * - `notFoundPage`: Google's frontend HTML 404 page for the requested URL (what a build that is gone from
 *   the routing layer answers), `text/html`, not a JSON envelope.
 * - `bodyCut`: status 200 and the framing's headers (a unary answer declares its whole content-length),
 *   then the first `afterBytes` bytes of the answer (default 64; always fewer than the whole), then the
 *   socket is destroyed: a reset mid-body, after the headers.
 * - `raw`: exactly `status` (default 200), `contentType` (default `text/html; charset=UTF-8`) and `body`
 *   (default empty), whatever the method or framing: an empty 404, an HTML page with 200, a JSON object
 *   where an SSE stream was asked for, … `rate` applies as for the other kinds.
 *
 * Behaviours and latency apply to the POST methods (generateContent, streams, countTokens,
 * embeddings, OpenAI chat/embeddings). `GET models/{build}` only reflects `dead` (404); the
 * catalogue itself (`GET models`, `GET models/{alias}`) always answers.
 */

const rate = z
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, { error: 'expected a number between 0 and 1' })
  .max(1, { error: 'expected a number between 0 and 1' })
  .optional()
  .describe('share of requests this behaviour hits, 0..1; the rest are answered healthily (default 1)');

const afterChunks = z
  .number()
  .int()
  .min(0, { error: 'expected an integer >= 0' })
  .default(1)
  .describe('stream chunks delivered before the failure (default 1)');

const message = z.string().min(1).optional().describe('replaces the error message Google would send');

export const BehaviourSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('healthy') }),
  z.strictObject({ kind: z.literal('dead'), rate, message }),
  z.strictObject({
    kind: z.literal('overloaded'),
    rate,
    message,
    retryDelayMs: z
      .number()
      .min(0, { error: 'expected a number >= 0' })
      .default(5000)
      .describe('RetryInfo.retryDelay in the 429, ms (default 5000)'),
    retryInfo: z
      .boolean()
      .default(true)
      .describe('whether the 429 carries the RetryInfo detail at all (default true)'),
  }),
  z.strictObject({
    kind: z.literal('transient'),
    rate,
    message,
    status: z
      .number()
      .int()
      .min(500, { error: 'expected an HTTP status 500..599' })
      .max(599, { error: 'expected an HTTP status 500..599' })
      .default(503)
      .describe('HTTP status of the failure (default 503 UNAVAILABLE)'),
  }),
  z.strictObject({ kind: z.literal('hang'), rate }),
  z.strictObject({ kind: z.literal('reset'), rate }),
  z.strictObject({ kind: z.literal('streamCut'), rate, afterChunks }),
  z.strictObject({
    kind: z.literal('streamError'),
    rate,
    message,
    afterChunks,
    status: z
      .number()
      .int()
      .min(400, { error: 'expected an HTTP status 400..599' })
      .max(599, { error: 'expected an HTTP status 400..599' })
      .default(503)
      .describe('code of the error object that ends the stream (default 503)'),
  }),
  z.strictObject({ kind: z.literal('malformed'), rate }),
  z.strictObject({ kind: z.literal('notFoundPage'), rate }),
  z.strictObject({
    kind: z.literal('bodyCut'),
    rate,
    afterBytes: z
      .number()
      .int()
      .min(0, { error: 'expected an integer >= 0' })
      .default(64)
      .describe('bytes of the answer sent before the socket is destroyed (default 64)'),
  }),
  z.strictObject({
    kind: z.literal('raw'),
    rate,
    status: z
      .number()
      .int()
      .min(200, { error: 'expected an HTTP status 200..599' })
      .max(599, { error: 'expected an HTTP status 200..599' })
      .default(200)
      .describe('HTTP status (default 200)'),
    contentType: z
      .string()
      .min(1)
      .default('text/html; charset=UTF-8')
      .describe('content-type header (default text/html; charset=UTF-8)'),
    body: z.string().default('').describe('the body, sent as is (default empty)'),
  }),
]);

/** A fixed `ms`, or a lognormal given by its median and 99th percentile. A bare number means `{ ms }`. */
export const LatencySchema = z.preprocess(
  (value) => (typeof value === 'number' ? { ms: value } : value),
  z
    .strictObject({
      kind: z.literal('latency').optional().describe('accepted for readability; ignored'),
      ms: z.number().min(0, { error: 'expected a number >= 0' }).optional().describe('fixed delay, ms'),
      p50Ms: z.number().positive({ error: 'expected a number > 0' }).optional().describe('median delay, ms'),
      p99Ms: z
        .number()
        .positive({ error: 'expected a number > 0' })
        .optional()
        .describe('99th percentile, ms'),
    })
    .superRefine((v, ctx) => {
      const fixed = v.ms !== undefined;
      const dist = v.p50Ms !== undefined || v.p99Ms !== undefined;
      if (fixed === dist) {
        ctx.addIssue({ code: 'custom', message: 'expected either ms, or p50Ms and p99Ms' });
      } else if (dist && (v.p50Ms === undefined || v.p99Ms === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'p50Ms and p99Ms go together' });
      } else if (dist && v.p99Ms! < v.p50Ms!) {
        ctx.addIssue({ code: 'custom', path: ['p99Ms'], message: 'expected p99Ms >= p50Ms' });
      }
    }),
);

/** Build knobs that may also be set once for all builds under `defaults`. */
const buildKnobs = {
  latency: LatencySchema.optional().describe('delay before the first byte of every answer (default none)'),
  streamChunks: z
    .number()
    .int()
    .min(1, { error: 'expected an integer >= 1' })
    .max(1000)
    .optional()
    .describe('chunks in a streamed answer (default 5)'),
  chunkIntervalMs: z
    .number()
    .min(0, { error: 'expected a number >= 0' })
    .optional()
    .describe('pause between stream chunks, ms (default 0)'),
  responseTokens: z
    .number()
    .int()
    .min(1, { error: 'expected an integer >= 1' })
    .max(1_000_000)
    .optional()
    .describe('size of a text answer in tokens, ≈ chars/4 (default 40; up to 1e6, a ~4 MB answer)'),
};

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const name = z
  .string()
  .regex(NAME, { error: 'expected a model name of letters, digits, ".", "_" and "-"' })
  .describe('model id as it appears after `models/`');

export const BuildSchema = z.strictObject({
  name,
  weight: z
    .number({ error: 'expected a number >= 0' })
    .min(0, { error: 'expected a number >= 0' })
    .default(1)
    .describe('share of the alias’s traffic, relative to its other builds (default 1)'),
  behaviour: BehaviourSchema.default({ kind: 'healthy' }).describe('how the build answers (default healthy)'),
  ...buildKnobs,
});

/** Model-resource fields (docs/wire.md §6); anything left out gets a default from the model's kind. */
export const ModelSchema = z.strictObject({
  displayName: z.string().optional().describe('default: the id in title case'),
  description: z.string().optional(),
  version: z.string().optional().describe('default "001"'),
  inputTokenLimit: z.number().int().positive().optional().describe('default 1048576 (embedding: 2048)'),
  outputTokenLimit: z.number().int().positive().optional().describe('default 65536 (embedding: 1)'),
  supportedGenerationMethods: z
    .array(z.string())
    .optional()
    .describe('default: generation methods, or embedding methods when the id contains "embedding"'),
  temperature: z.number().optional(),
  topP: z.number().optional(),
  topK: z.number().optional(),
  maxTemperature: z.number().optional(),
  thinking: z.boolean().optional(),
  embeddingDimensions: z
    .number()
    .int()
    .min(1)
    .max(8192)
    .optional()
    .describe('length of embedding vectors when the request gives no outputDimensionality (default 768)'),
  builds: z
    .array(BuildSchema)
    .min(1, { error: 'expected at least one build' })
    .optional()
    .describe('backing builds; default one healthy build named like the model'),
});

export const ScenarioSchema = z
  .strictObject({
    seed: z.number().int().optional().describe('seed of every random choice (default 1)'),
    apiKeys: z
      .array(z.string().min(1))
      .min(1, { error: 'expected at least one key (leave apiKeys out to accept any key)' })
      .optional()
      .describe('accepted API keys; when absent any key, or none, is accepted'),
    defaults: z.strictObject(buildKnobs).optional().describe('knobs every build inherits'),
    models: z
      .record(name, ModelSchema)
      .refine((m) => Object.keys(m).length > 0, { error: 'expected at least one model' })
      .describe('the public models, keyed by id'),
  })
  .superRefine((scenario, ctx) => {
    const owner = new Map<string, string>();
    for (const id of Object.keys(scenario.models)) owner.set(id, id);
    for (const [id, model] of Object.entries(scenario.models)) {
      const builds = model.builds ?? [];
      if (builds.length > 0 && builds.every((b) => b.weight === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', id, 'builds'],
          message: 'expected a build with weight > 0',
        });
      }
      builds.forEach((build, i) => {
        const taken = owner.get(build.name);
        if (taken !== undefined && !(taken === id && build.name === id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', id, 'builds', i, 'name'],
            message: `"${build.name}" is already the name of ${taken === build.name ? 'a model' : `a build of ${taken}`}`,
          });
        }
        owner.set(build.name, id);
      });
    }
  });

export type Behaviour = z.output<typeof BehaviourSchema>;
export type BehaviourInput = z.input<typeof BehaviourSchema>;
export type BehaviourKind = Behaviour['kind'];
export type Latency = z.output<typeof LatencySchema>;
export type Build = z.output<typeof BuildSchema>;
export type ModelSpec = z.output<typeof ModelSchema>;
/** A validated scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** A scenario as written (defaults not yet filled in); what `startSimulator` accepts inline. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** The run-time knobs of one build that the admin API may change (all optional: a patch). */
export const BuildPatchSchema = z.strictObject({
  behaviour: BehaviourSchema.optional(),
  weight: BuildSchema.shape.weight.unwrap().optional(),
  latency: LatencySchema.nullable().optional().describe('null removes the latency'),
  streamChunks: buildKnobs.streamChunks,
  chunkIntervalMs: buildKnobs.chunkIntervalMs,
  responseTokens: buildKnobs.responseTokens,
});
export type BuildPatch = z.input<typeof BuildPatchSchema>;
