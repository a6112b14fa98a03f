import type { IncomingHttpHeaders } from 'node:http';
import type { AliasEntry } from '../catalog/alias.js';
import type { Catalog } from '../catalog/catalog.js';
import { aliasMethods, type LearnedModel, type LearnedModels } from '../catalog/learned-model.js';
import { type Target, targetLabel } from '../catalog/target.js';
import { judge, judgeCut } from '../classify/judge.js';
import { OK, type Verdict } from '../classify/verdict.js';
import type { Clock } from '../clock.js';
import { GatewayError } from '../errors.js';
import type { HealthEvent, HealthTable } from '../health/health-table.js';
import type { Random } from '../random.js';
import {
  ATTEMPT_TIMEOUT,
  Attempt,
  type AttemptEnd,
  type BodyMode,
  type Downstream,
  type StreamFraming,
} from '../upstream/attempt.js';
import type { Upstreams } from '../upstream/pools.js';
import { type OutgoingRequest, upstreamRequest } from '../upstream/request.js';
import { type ErrorStatus, errorStatus } from '../wire/envelope.js';
import type { GenerationMethod } from '../wire/types.js';
import { type LoopResult, type RoutingPolicy, runAttempts, type Tried } from './attempt-loop.js';
import { failureError } from './failure.js';
import type { RetryBudget } from './retry-budget.js';

/** One client request, as a surface parsed it. */
export interface RouteRequest {
  /** The alias the client named (without `models/`). */
  alias: string;
  /** The request every attempt sends, addressed to each target's model by upstream/request.ts. */
  outgoing: OutgoingRequest;
  mode: BodyMode;
  /** How a stream is framed: only whole units reach the client, and a failure after commit is told in it. */
  framing: StreamFraming;
  /** The client's own deadline (X-Server-Timeout), ms, when it gave one. */
  deadlineMs?: number;
}

/** The client's side of a request: whether it left, and what to do the moment it does. */
export interface ClientSide {
  gone: boolean;
  /** Set by the router: aborts whatever is in flight for this request. */
  onGone?: () => void;
}

/** An answer that won: its head, and how to send the rest of its body. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's length when it is already complete (unary answers are held whole). */
  length: number | undefined;
  /**
   * Sends the held bytes and the rest of the body to `downstream`. `done` hears how it ended: with nothing for a clean
   * end or a client that left, or with the error to tell the client in the stream's own framing.
   */
  forward(downstream: Downstream, done: (failure?: ErrorStatus) => void): void;
  /** The gateway is stopping: let the upstream go. */
  abort(): void;
}

export type Routed =
  | {
      kind: 'answered';
      /** The alias the client asked for, and the alias of the chain whose target served. */
      alias: AliasEntry;
      servedBy: AliasEntry;
      target: Target;
      verdict: Verdict;
      attempts: number;
      answer: Answer;
    }
  | { kind: 'failed'; alias: AliasEntry; attempts: number; why: string; error: GatewayError }
  | { kind: 'cancelled'; alias: AliasEntry; attempts: number };

/** What the router reports as it goes; the composition root sends it to metrics, logs, stores and the dashboard. */
export interface RouterObserver {
  /** One attempt judged; `ms` is the time to its decision (a stream's is judged when it ends). */
  attempt(target: Target, verdict: Verdict, ms: number): void;
  /** A failed attempt of `target` was followed by another attempt of the same request. */
  retried(target: Target): void;
  healthEvents(events: readonly HealthEvent[]): void;
  budgetExhausted(alias: AliasEntry): void;
}

/** What a config reload or an operator's stage change replaces as one value; a request keeps the one it began with. */
export interface LiveRouting {
  catalog: Catalog;
  upstreams: Upstreams;
  budget: RetryBudget;
  policy: RoutingPolicy;
  /** Longest silence between body chunks once an answer is forwarded, ms. */
  idleTimeoutMs: number;
}

export interface RouterDeps {
  live(): LiveRouting;
  health: HealthTable;
  clock: Clock;
  random: Random;
  observer: RouterObserver;
  /** Methods learned from upstreams for aliases that declare none (none learned: every verb passes). */
  learned?: LearnedModels;
  /** Reads (or recalls) one target's Model resource; undefined when it cannot be read. */
  learnTarget?: (target: Target) => Promise<LearnedModel | undefined>;
}

/** Unary bodies are held whole up to this size before the client sees a byte, so a cut one can still be retried. */
const HOLD_LIMIT_BYTES = 1024 * 1024;

/**
 * The request path from an alias to an answer (docs/design.md §4): resolve the alias into its fallback chain, run
 * the attempt loop (attempt-loop.ts decides the order), and for each attempt build the upstream request
 * (upstream/request.ts), send it (upstream/attempt.ts), judge the answer (classify/judge.ts), record the verdict
 * (health) and count the attempt in flight. The winning answer's body is forwarded by the caller through
 * `Answer.forward`, and how it ends is judged and recorded here too.
 */
export class Router {
  readonly #deps: RouterDeps;

  constructor(deps: RouterDeps) {
    this.#deps = deps;
  }

  /** Resolves the alias; throws the client's error when it is unknown or does not serve the method. */
  resolve(
    request: RouteRequest,
    catalog = this.#deps.live().catalog,
    method = geminiMethodOf(request.outgoing.endpoint),
  ): AliasEntry {
    const alias = catalog.get(request.alias);
    if (!alias) throw unknownAlias(catalog, request.alias);
    const methods = aliasMethods(alias, this.#deps.learned);
    if (methods && !methods.includes(method)) {
      throw new GatewayError(
        'METHOD_NOT_SUPPORTED',
        `models/${alias.name} does not support ${method}; it supports ${methods.join(', ') || 'no method this gateway serves'}.`,
      );
    }
    return alias;
  }

  async route(request: RouteRequest, client: ClientSide): Promise<Routed> {
    const deps = this.#deps;
    const live = deps.live();
    const { catalog, upstreams } = live;
    const method = geminiMethodOf(request.outgoing.endpoint);
    const alias = this.resolve(request, catalog, method);
    const names = catalog.chainNames(alias.name);
    let current: Attempt | undefined;
    client.onGone = () => current?.abort(clientClosed());

    const tryTarget = async (
      target: Target,
      timeoutMs: number,
      byDeadline: boolean,
    ): Promise<Tried<Attempt> | 'cancelled'> => {
      if (client.gone) return 'cancelled';
      const upstream = upstreams.get(target.upstream);
      this.#begin(target, upstreams);
      const started = deps.clock.now();
      const addressed = upstreamRequest(upstream, target.model, request.outgoing);
      current = new Attempt({
        dispatcher: upstream.pool,
        path: addressed.path,
        headers: addressed.headers,
        body: addressed.body,
        method: 'POST',
        mode: request.mode,
        framing: request.framing,
        timeoutMs,
        idleTimeoutMs: live.idleTimeoutMs,
        holdLimitBytes: HOLD_LIMIT_BYTES,
        clock: deps.clock,
      });
      const outcome = await current.outcome;
      if (client.gone) {
        this.#end(target, upstreams);
        return 'cancelled';
      }
      const ms = deps.clock.now() - started;
      let verdict = judge(outcome, { model: target.model, now: deps.clock.now(), aliases: names, method });
      if (verdict.kind === 'target_fault' && verdict.unlessLacking !== undefined && !alias.methods) {
        verdict = await this.#methodOrModel(target, method, verdict);
        if (client.gone) {
          this.#end(target, upstreams);
          return 'cancelled';
        }
      }
      const timedOut = outcome.kind === 'transport' && outcome.error.code === ATTEMPT_TIMEOUT;
      if (outcome.kind === 'answer' && (verdict.kind === 'ok' || verdict.kind === 'client_error')) {
        // a stream is judged once, when it ends (#afterCommit): a success now and a cut later would count twice
        if (outcome.complete) this.#record(target, verdict, ms);
        // in flight until its body has been forwarded (see answerOf)
        return { verdict, answer: current, timedOut: false };
      }
      // a client that gives up early says nothing about the target: an impatient client must not eject builds
      if (!(timedOut && byDeadline)) this.#record(target, verdict, ms);
      this.#end(target, upstreams);
      // an answer not taken may still hold a paused upstream stream: let it go
      if (outcome.kind === 'answer' && !outcome.complete) current.abort(notTaken());
      return { verdict, timedOut };
    };

    const result = await runAttempts(
      catalog.fallbackChain(alias.name),
      tryTarget,
      {
        policy: live.policy,
        targets: deps.health,
        budget: live.budget,
        clock: deps.clock,
        random: deps.random,
        capacity: (t) => {
          const upstream = upstreams.get(t.upstream);
          return upstream.inFlight >= upstream.maxInFlight ? 0 : upstream.maxRequestsPerTarget;
        },
      },
      request.deadlineMs,
    );
    // every failed attempt but a request's last was followed by another: what the failures cost in retries
    const retriedUpTo = result.kind === 'answered' ? result.tried.length : result.tried.length - 1;
    for (let i = 0; i < retriedUpTo; i++) deps.observer.retried(result.tried[i]!.target);
    return this.#routed(alias, result, client, upstreams);
  }

  #routed(alias: AliasEntry, result: LoopResult<Attempt>, client: ClientSide, upstreams: Upstreams): Routed {
    if (result.kind === 'answered') {
      const { target, answer: attempt } = result;
      client.onGone = () => attempt.abort(clientClosed());
      return {
        kind: 'answered',
        alias,
        servedBy: result.alias,
        target,
        verdict: result.verdict,
        attempts: result.attempts,
        answer: this.#answerOf(target, attempt, upstreams),
      };
    }
    if (result.why === 'cancelled') return { kind: 'cancelled', alias, attempts: result.attempts };
    if (result.why === 'budget') this.#deps.observer.budgetExhausted(alias);
    return {
      kind: 'failed',
      alias,
      attempts: result.attempts,
      why: result.why,
      error: failureError(alias, result, (name) => this.#hidesBuilds(name)),
    };
  }

  #answerOf(target: Target, attempt: Attempt, upstreams: Upstreams): Answer {
    const decided = attempt.decided!;
    const judgedAtEnd = !decided.complete;
    const started = this.#deps.clock.now();
    return {
      status: decided.status,
      headers: decided.headers,
      length: decided.complete ? decided.chunks.reduce((n, c) => n + c.length, 0) : undefined,
      forward: (downstream, done) => {
        attempt.forward(downstream, (end) => {
          this.#end(target, upstreams);
          done(this.#afterCommit(target, end, judgedAtEnd, this.#deps.clock.now() - started));
        });
      },
      abort: () => attempt.abort(Object.assign(new Error('gateway shutting down'), { code: 'SHUTDOWN' })),
    };
  }

  /**
   * How a forwarded body ended: nothing to say, or the failure to tell the client. A stream earns its verdict here, once:
   * ok when it completed, the cut's verdict when it did not; a client that left says nothing about the target.
   */
  #afterCommit(target: Target, end: AttemptEnd, judgedAtEnd: boolean, ms: number): ErrorStatus | undefined {
    if (end.kind === 'aborted') return undefined;
    if (end.kind === 'complete') {
      if (judgedAtEnd) this.#record(target, OK, ms);
      return undefined;
    }
    this.#record(target, judgeCut(end, { model: target.model }), ms);
    const hidden = this.#hidesBuilds(target.alias);
    const where = hidden ? `(alias ${target.alias})` : `(target ${targetLabel(target)})`;
    if (end.kind === 'upstream_error') {
      // an upstream's own message may name the build: an alias that hides its builds tells only the status
      const message = hidden ? `the upstream failed: ${end.error.status}` : end.error.message;
      return { ...end.error, message: `${message} ${where}` };
    }
    const reason =
      end.kind === 'transport'
        ? `upstream stream failed: ${end.error.code ?? end.error.message}`
        : 'upstream stream ended before completion';
    return errorStatus(502, `${reason} ${where}`);
  }

  /**
   * A target fault that may be only Google's ambiguous 404 for a method the model lacks (docs/wire.md §0.12), on an
   * alias that declares no methods: the target's Model resource decides. A model that exists and does not list the
   * method makes it the client's error, answered as the upstream gave it, with no retry and nothing held against
   * the target: a client calling the wrong verb must not eject a healthy build. Otherwise the fault stands.
   */
  async #methodOrModel(
    target: Target,
    method: GenerationMethod,
    fault: Extract<Verdict, { kind: 'target_fault' }>,
  ): Promise<Verdict> {
    if (!this.#deps.learnTarget) return fault;
    const model = await this.#deps.learnTarget(target);
    if (!model || model.methods.includes(method)) return fault;
    return { kind: 'client_error', reason: `${fault.reason} (its Model resource does not list ${method})` };
  }

  /** Whether answers for this alias may not name its builds (config `exposeBuilds: false`). */
  #hidesBuilds(alias: string): boolean {
    return this.#deps.live().catalog.get(alias)?.exposeBuilds === false;
  }

  /** In-flight accounting of one attempt: per target (the balancer, the per-target cap) and per upstream (its cap). */
  #begin(target: Target, upstreams: Upstreams): void {
    this.#deps.health.begin(target.id);
    upstreams.get(target.upstream).inFlight++;
  }

  #end(target: Target, upstreams: Upstreams): void {
    this.#deps.health.end(target.id);
    upstreams.get(target.upstream).inFlight--;
  }

  #record(target: Target, verdict: Verdict, ms: number): void {
    this.#deps.observer.attempt(target, verdict, ms);
    const events = this.#deps.health.record(target.id, verdict);
    if (events.length > 0) this.#deps.observer.healthEvents(events);
  }
}

/** The Gemini verb a request needs of an alias: OpenAI's chat is Google's generateContent, its embeddings embedContent. */
function geminiMethodOf(endpoint: OutgoingRequest['endpoint']): GenerationMethod {
  if (endpoint.surface === 'gemini') return endpoint.method;
  return endpoint.path === 'embeddings' ? 'embedContent' : 'generateContent';
}

function notTaken(): Error {
  return Object.assign(new Error('answer not taken'), { code: 'NOT_TAKEN' });
}

function clientClosed(): Error {
  return Object.assign(new Error('client closed the connection'), { code: 'CLIENT_CLOSED' });
}

export function unknownAlias(catalog: Catalog, name: string): GatewayError {
  const known = catalog.aliases().map((a) => a.name);
  return new GatewayError(
    'UNKNOWN_ALIAS',
    `models/${name} is not found for API version v1beta, or is not supported by this gateway. Configured aliases: ${known.join(', ')}.`,
  );
}
