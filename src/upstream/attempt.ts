import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Clock, Timer } from '../clock.js';
import type { ErrorStatus } from '../wire/envelope.js';
import { StreamWatch } from './stream-watch.js';

/**
 * How the body of a successful answer is judged before the client sees a byte:
 * - `unary`: held whole (up to `holdLimitBytes`) so a reset or a malformed body can still be retried elsewhere;
 * - `stream`: committed at the first chunk — after that, a target may no longer change (docs/design.md §5).
 */
export type BodyMode = 'unary' | 'stream';

/** How a failure after commit is told to a client that is already reading the body. */
export type StreamFraming = 'sse' | 'json-array' | 'openai-sse' | 'none';

export interface AttemptRequest {
  dispatcher: Dispatcher;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: Buffer | null;
  mode: BodyMode;
  /** How the stream is framed (stream-watch.ts: whole units only, the first one checked); 'none' for unary. */
  framing: StreamFraming;
  /** Time to the decision (first chunk of a stream, whole unary body), in ms. */
  timeoutMs: number;
  /** Longest silence between body chunks, in ms (undici's bodyTimeout); 0 for none. */
  idleTimeoutMs?: number;
  holdLimitBytes: number;
  clock: Clock;
}

/** What an attempt knows at decision time. */
export type AttemptOutcome =
  | {
      kind: 'answer';
      status: number;
      headers: IncomingHttpHeaders;
      /** Body bytes read so far: all of an error or unary body, the first chunk(s) of a stream. */
      chunks: Buffer[];
      /** True when the body is complete. */
      complete: boolean;
      /** Set on a 2xx whose body is not what the method promises (not a JSON object, or the wrong content type). */
      malformed?: boolean;
    }
  | { kind: 'transport'; error: Error & { code?: string } };

export interface Downstream {
  write(chunk: Buffer): boolean;
  once(event: 'drain', fn: () => void): unknown;
}

/** How a committed body ended. */
export type AttemptEnd =
  | { kind: 'complete' }
  /** We ended it: the client left, or the gateway is stopping. */
  | { kind: 'aborted' }
  /** Google wrote its bare error object into the stream. */
  | { kind: 'upstream_error'; error: ErrorStatus }
  | { kind: 'transport'; error: Error & { code?: string } }
  /** A stream closed cleanly without finishing. */
  | { kind: 'truncated' };

/** The code of the error an attempt ends with when its own timer fires first. */
export const ATTEMPT_TIMEOUT = 'ATTEMPT_TIMEOUT';

const ERROR_BODY_LIMIT = 64 * 1024;
const WE_ENDED_IT: ReadonlySet<string | undefined> = new Set(['CLIENT_CLOSED', 'SHUTDOWN']);

/**
 * One upstream request, driven through undici's dispatch API so that no stream or promise sits between the
 * upstream socket and the client socket once the answer is committed. It resolves `outcome` at decision time;
 * after `forward()` the remaining body goes straight to the downstream with backpressure.
 */
export class Attempt implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<AttemptOutcome>;
  #resolve!: (o: AttemptOutcome) => void;
  #decided: Extract<AttemptOutcome, { kind: 'answer' }> | undefined;
  #decidedAtAll = false;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #timer: Timer | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #bytes = 0;
  #downstream: Downstream | undefined;
  #afterCommit: ((end: AttemptEnd) => void) | undefined;
  #watch: StreamWatch | undefined;
  #finished = false;
  #truncated = false;
  #finishError: (Error & { code?: string }) | undefined;

  constructor(private readonly req: AttemptRequest) {
    this.outcome = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#timer = req.clock.setTimeout(() => this.abort(attemptTimeout(req.timeoutMs)), req.timeoutMs);
    req.dispatcher.dispatch(
      {
        path: req.path,
        method: req.method,
        headers: req.headers,
        body: req.body,
        blocking: false,
        bodyTimeout: req.idleTimeoutMs ?? 0,
      },
      this,
    );
  }

  /** The HTTP answer this attempt was decided on, once it is. */
  get decided(): Extract<AttemptOutcome, { kind: 'answer' }> | undefined {
    return this.#decided;
  }

  /** Ends the upstream request now (client went away, deadline, or a lost race). */
  abort(reason: Error): void {
    if (this.#finished) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /**
   * Commits this attempt: the held chunks and then the rest of the body go to `downstream` (its head is the
   * caller's). `afterCommit` hears how it ended, so a stream never ends in silence.
   */
  forward(downstream: Downstream, afterCommit: (end: AttemptEnd) => void): void {
    for (const chunk of this.#chunks) downstream.write(chunk);
    this.#chunks = [];
    this.#downstream = downstream;
    this.#afterCommit = afterCommit;
    if (this.#finished) this.#end();
    else this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    this.#headers = headers;
    if (statusCode >= 200 && statusCode < 300 && this.req.mode === 'stream' && this.req.framing !== 'none') {
      this.#watch = new StreamWatch(this.req.framing, this.req.holdLimitBytes);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, data: Buffer): void {
    const chunk = this.#watch ? this.#watch.pass(data) : data;
    if (chunk === undefined) return;
    if (this.#downstream) {
      if (!this.#downstream.write(chunk)) {
        controller.pause();
        this.#downstream.once('drain', () => controller.resume());
      }
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#decidedAtAll) return;
    const ok = this.#status >= 200 && this.#status < 300;
    if (ok) {
      if (this.req.mode === 'stream' || this.#bytes > this.req.holdLimitBytes) {
        // hold what arrives until forward(): the caller decides on a microtask
        controller.pause();
        const malformed = this.#watch?.firstUnitOk === false || wrongContentType(this.#headers, this.req);
        this.#decide({
          kind: 'answer',
          status: this.#status,
          headers: this.#headers,
          chunks: this.#chunks,
          complete: false,
          ...(malformed ? { malformed: true } : {}),
        });
      }
    } else if (this.#bytes > ERROR_BODY_LIMIT) {
      controller.abort(new Error('error body too large'));
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    const ending = this.#watch?.end();
    if (ending?.rest) {
      if (this.#downstream) this.#downstream.write(ending.rest);
      else this.#chunks.push(ending.rest);
    }
    this.#truncated = ending?.truncated === true;
    if (!this.#decidedAtAll) {
      const bare = this.#watch?.bareError();
      if (bare) {
        // a 200 whose stream is only an error: an error answer, to be judged and retried like one
        this.#decide({
          kind: 'answer',
          status: bare.code,
          headers: this.#headers,
          chunks: [Buffer.from(JSON.stringify({ error: bare }))],
          complete: true,
        });
        return;
      }
      const ok = this.#status >= 200 && this.#status < 300;
      // a stream that ends undecided sent at most one unit: it must be a valid one; a unary body must be JSON
      const malformed =
        (ok &&
          (this.req.mode === 'stream'
            ? this.#watch?.firstUnitOk !== true
            : !looksLikeJsonObject(this.#chunks))) ||
        (ok && wrongContentType(this.#headers, this.req));
      this.#decide({
        kind: 'answer',
        status: this.#status,
        headers: this.#headers,
        chunks: this.#chunks,
        complete: true,
        ...(malformed ? { malformed: true } : {}),
      });
      return;
    }
    if (this.#downstream) this.#end();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error & { code?: string }): void {
    this.#finished = true;
    this.#finishError = error;
    if (!this.#decidedAtAll) {
      this.#decide({ kind: 'transport', error: this.#abortReason ?? error });
      return;
    }
    if (this.#downstream) this.#end();
  }

  #decide(outcome: AttemptOutcome): void {
    this.#decidedAtAll = true;
    if (outcome.kind === 'answer') this.#decided = outcome;
    if (this.#timer) this.req.clock.clearTimeout(this.#timer);
    this.#resolve(outcome);
  }

  #end(): void {
    const afterCommit = this.#afterCommit;
    const end = this.#howItEnded();
    // the request is over: let go of the client's response and the answer's bytes now. Whatever still points at this
    // attempt (V8 may have pretenured an object that does) then keeps only the attempt alive, not the whole request:
    // otherwise every request's objects were promoted to the old generation and swept by a mark-compact every second
    this.#afterCommit = undefined;
    this.#downstream = undefined;
    this.#controller = undefined;
    this.#chunks = [];
    this.#headers = {};
    this.#decided = undefined;
    afterCommit?.(end);
  }

  #howItEnded(): AttemptEnd {
    const error = this.#finishError;
    if (error) {
      const code = (this.#abortReason as { code?: string } | undefined)?.code ?? error.code;
      return WE_ENDED_IT.has(code) ? { kind: 'aborted' } : { kind: 'transport', error };
    }
    const bare = this.#watch?.bareError();
    if (bare) return { kind: 'upstream_error', error: bare };
    if (this.#truncated) return { kind: 'truncated' };
    return { kind: 'complete' };
  }
}

function attemptTimeout(ms: number): Error & { code: string } {
  return Object.assign(new Error(`no answer within ${ms} ms`), { code: ATTEMPT_TIMEOUT });
}

/**
 * A 2xx labelled as something the method never answers: HTML (a proxy's or a captive portal's page), or JSON where
 * an SSE stream was asked for. Other and missing labels get the benefit of the doubt.
 */
function wrongContentType(headers: IncomingHttpHeaders, req: AttemptRequest): boolean {
  const type = headers['content-type'];
  if (typeof type !== 'string') return false;
  // regexes rather than split/trim/toLowerCase: this runs on every 2xx, and these allocate nothing
  return HTML.test(type) || ((req.framing === 'sse' || req.framing === 'openai-sse') && JSON_TYPE.test(type));
}

const HTML = /^\s*text\/html\s*(;|$)/i;
const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;

/** O(1) check: a JSON object starts with `{` and ends with `}` (whitespace aside). Catches HTML and truncation. */
function looksLikeJsonObject(chunks: Buffer[]): boolean {
  const first = chunks.find((c) => c.length > 0);
  const last = [...chunks].reverse().find((c) => c.length > 0);
  if (!first || !last) return false;
  return firstNonSpace(first, 1) === 0x7b && firstNonSpace(last, -1) === 0x7d;
}

function firstNonSpace(buf: Buffer, step: 1 | -1): number {
  for (let i = step === 1 ? 0 : buf.length - 1; i >= 0 && i < buf.length; i += step) {
    const b = buf[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}
