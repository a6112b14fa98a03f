import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Clock, Timer } from '../clock.js';
import { type ErrorStatus, errorStatus, parseEnvelope } from '../wire/envelope.js';

/**
 * How the body of a successful answer is judged before the client sees a byte:
 * - `unary`: held whole (up to `holdLimitBytes`) so a reset or a malformed body can still be retried elsewhere;
 * - `stream`: committed at the first chunk — after that, a target may no longer change (DESIGN, request path).
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
  /** Gemini SSE: Google's bare mid-stream error object is taken out of the stream and reported (wire spec §7.3). */
  sse?: boolean;
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
      /** Set on a 2xx whose body is not what the API promises (not a JSON object). */
      malformed?: boolean;
    }
  | { kind: 'transport'; error: Error & { code?: string } };

export interface Downstream {
  write(chunk: Buffer): boolean;
  once(event: 'drain', fn: () => void): unknown;
}

/**
 * Called once when a committed body ends: `error` when the connection failed, `upstreamError` when Google wrote its
 * bare error object into the stream, `truncated` when a stream closed cleanly without finishing.
 */
export type AfterCommit = (result: {
  error?: Error & { code?: string };
  upstreamError?: ErrorStatus;
  truncated: boolean;
}) => void;

const ERROR_BODY_LIMIT = 64 * 1024;
const COMPLETION_MARKERS = ['"finishReason"', '"blockReason"', '[DONE]'].map((m) => Buffer.from(m));
const MARKER_OVERLAP = 15;
const BARE_ERROR_AFTER_CRLF = Buffer.from('\r\n\r\n{');
const BARE_ERROR_AFTER_LF = Buffer.from('\n\n{');

/**
 * One upstream request, driven through undici's dispatch API so that no stream or promise sits between the
 * upstream socket and the client socket once the answer is committed. It resolves `outcome` at decision time;
 * after `forward()` the remaining body goes straight to the downstream with backpressure.
 */
export class Attempt implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<AttemptOutcome>;
  #resolve!: (o: AttemptOutcome) => void;
  #decided = false;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #timer: Timer | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #bytes = 0;
  #downstream: Downstream | undefined;
  #afterCommit: AfterCommit | undefined;
  #sawCompletion = false;
  #tail: Buffer | undefined;
  #finished = false;
  #finishError: (Error & { code?: string }) | undefined;
  /** Google's bare error object once it starts in an SSE stream: it is never forwarded as is. */
  #bareError: Buffer[] | undefined;
  #atEventBoundary = true;

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
  forward(downstream: Downstream, afterCommit: AfterCommit): void {
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
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.req.sse && this.#status < 300) {
      if (this.#bareError) {
        this.#bareError.push(chunk);
        return;
      }
      const at = bareErrorStart(chunk, this.#atEventBoundary);
      if (at >= 0) {
        this.#bareError = [chunk.subarray(at)];
        if (at === 0) return;
        chunk = chunk.subarray(0, at);
      }
      this.#atEventBoundary = endsWithBlankLine(chunk);
    }
    if (this.req.mode === 'stream' && this.#status < 300) this.#watchCompletion(chunk);
    if (this.#downstream) {
      if (!this.#downstream.write(chunk)) {
        controller.pause();
        this.#downstream.once('drain', () => controller.resume());
      }
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (this.#decided) return;
    if (this.#status >= 200 && this.#status < 300) {
      if (this.req.mode === 'stream' || this.#bytes > this.req.holdLimitBytes) {
        // hold what arrives until forward(): the caller decides on a microtask
        controller.pause();
        this.#decide({
          kind: 'answer',
          status: this.#status,
          headers: this.#headers,
          chunks: this.#chunks,
          complete: false,
        });
      }
    } else if (this.#bytes > ERROR_BODY_LIMIT) {
      controller.abort(new Error('error body too large'));
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    if (!this.#decided) {
      const ok = this.#status >= 200 && this.#status < 300;
      const bare = this.#bareErrorStatus();
      if (bare) {
        // a 200 whose stream is only an error: an error answer, to be judged and retried like one
        const body = Buffer.from(JSON.stringify({ error: bare }));
        this.#decide({
          kind: 'answer',
          status: bare.code,
          headers: this.#headers,
          chunks: [body],
          complete: true,
        });
        return;
      }
      this.#decide({
        kind: 'answer',
        status: this.#status,
        headers: this.#headers,
        chunks: this.#chunks,
        complete: true,
        // a stream decides at its first chunk, so one that ends undecided was empty
        ...(ok && (this.req.mode === 'stream' || !looksLikeJsonObject(this.#chunks))
          ? { malformed: true }
          : {}),
      });
      return;
    }
    if (this.#downstream) this.#end();
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error & { code?: string }): void {
    this.#finished = true;
    this.#finishError = error;
    if (!this.#decided) {
      this.#decide({ kind: 'transport', error: this.#abortReason ?? error });
      return;
    }
    if (this.#downstream) this.#end();
  }

  #decide(outcome: AttemptOutcome): void {
    this.#decided = true;
    if (this.#timer) this.req.clock.clearTimeout(this.#timer);
    this.#resolve(outcome);
  }

  #end(): void {
    const upstreamError = this.#bareErrorStatus();
    const truncated =
      this.req.mode === 'stream' && !this.#finishError && !upstreamError && !this.#sawCompletion;
    this.#afterCommit?.({
      ...(this.#finishError ? { error: this.#finishError } : {}),
      ...(upstreamError ? { upstreamError } : {}),
      truncated,
    });
  }

  #bareErrorStatus(): ErrorStatus | undefined {
    if (!this.#bareError) return undefined;
    const text = Buffer.concat(this.#bareError).toString('utf8');
    const status = parseEnvelope(text);
    if (status && status.code >= 400 && status.code <= 599) return status;
    return errorStatus(502, `upstream wrote something that is not an SSE event: ${text.slice(0, 200)}`);
  }

  /** A complete stream carries finishReason (or blockReason, or OpenAI's [DONE]); a clean close without one is a cut. */
  #watchCompletion(chunk: Buffer): void {
    if (this.#sawCompletion) return;
    // searched in the bytes, and across the seam with the previous chunk, without decoding anything
    const seam = this.#tail ? Buffer.concat([this.#tail, chunk.subarray(0, MARKER_OVERLAP)]) : undefined;
    for (const marker of COMPLETION_MARKERS) {
      if (chunk.indexOf(marker) >= 0 || (seam && seam.indexOf(marker) >= 0)) {
        this.#sawCompletion = true;
        return;
      }
    }
    this.#tail = chunk.subarray(Math.max(0, chunk.length - MARKER_OVERLAP));
  }
}

/** The code of the error an attempt ends with when its own timer fires first. */
export const ATTEMPT_TIMEOUT = 'ATTEMPT_TIMEOUT';

function attemptTimeout(ms: number): Error & { code: string } {
  return Object.assign(new Error(`no answer within ${ms} ms`), { code: ATTEMPT_TIMEOUT });
}

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

/**
 * Where Google's bare error object starts in an SSE chunk: a `{` right after an event boundary (wire spec §7.3:
 * `…\r\n\r\n{\n  "error": {…}}`), or -1. The SDK drops such bytes silently when they share a read with an event,
 * so the gateway turns them into a `data:` event instead.
 */
function bareErrorStart(chunk: Buffer, atBoundary: boolean): number {
  if (atBoundary && chunk[0] === 0x7b) return 0;
  const crlf = chunk.indexOf(BARE_ERROR_AFTER_CRLF);
  if (crlf >= 0) return crlf + 4;
  const lf = chunk.indexOf(BARE_ERROR_AFTER_LF);
  return lf >= 0 ? lf + 2 : -1;
}

function endsWithBlankLine(chunk: Buffer): boolean {
  const n = chunk.length;
  return (
    n >= 2 &&
    chunk[n - 1] === 0x0a &&
    (chunk[n - 2] === 0x0a || (n >= 4 && chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a))
  );
}
