import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock, Timer } from '../clock.js';

/**
 * Headers the real frontend sends on every answer (docs/wire.md §9.7). No client depends on them;
 * they make captures look like Google's.
 */
const GOOGLE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['vary', 'Origin, X-Origin, Referer'],
  ['x-xss-protection', '0'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-content-type-options', 'nosniff'],
  ['server', 'scaffolding on HTTPServer2'],
];

/**
 * One request/response pair and everything pending for it. When the client goes away (or the
 * simulator closes), every timer the exchange armed is cleared and `closed` turns true, so a
 * hung or slow answer frees its resources at once.
 */
export class Exchange {
  closed = false;
  readonly #started: number;
  readonly #timers = new Set<Timer>();
  readonly #wakers = new Set<() => void>();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly clock: Clock,
  ) {
    this.#started = performance.now();
    res.once('close', () => this.#onClose());
  }

  #onClose(): void {
    this.closed = true;
    for (const timer of this.#timers) this.clock.clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  /**
   * Resolves after `ms` on the injected clock (a macrotask hop when ms is 0, so stream chunks go
   * out as separate writes), or as soon as the exchange closes. Returns false when closed.
   */
  wait(ms: number, clock: Pick<Clock, 'setTimeout' | 'clearTimeout'> = this.clock): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => resolve(false);
      this.#wakers.add(wake);
      const done = () => {
        this.#wakers.delete(wake);
        resolve(!this.closed);
      };
      if (ms <= 0) {
        setImmediate(done);
        return;
      }
      const timer = clock.setTimeout(() => {
        this.#timers.delete(timer);
        done();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** Starts the response: status, content type and the frontend headers. */
  head(status: number, contentType: string, contentLength?: number): void {
    const res = this.res;
    res.statusCode = status;
    res.setHeader('content-type', contentType);
    for (const [name, value] of GOOGLE_HEADERS) res.setHeader(name, value);
    res.setHeader('server-timing', `gfet4t7; dur=${Math.round(performance.now() - this.#started)}`);
    if (contentLength !== undefined) res.setHeader('content-length', contentLength);
  }

  /** A whole answer at once. */
  send(status: number, contentType: string, body: string): void {
    if (this.closed) return;
    this.head(status, contentType, Buffer.byteLength(body));
    this.res.end(body);
  }

  /** Writes one piece of a streamed body; resolves once it is handed to the socket. */
  write(text: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) resolve();
      else this.res.write(text, () => resolve());
    });
  }

  end(text?: string): void {
    if (!this.closed) this.res.end(text);
  }

  /** Connection reset: RST where the platform allows, so clients see ECONNRESET. */
  reset(): void {
    const socket = this.req.socket as Socket & { resetAndDestroy?: () => void };
    if (socket.resetAndDestroy) socket.resetAndDestroy();
    else socket.destroy();
  }

  /** Cuts the connection after what was written so far (a stream that stops mid-way). */
  cut(): void {
    this.req.socket.destroy();
  }
}

export interface BodyResult {
  text?: string;
  /** The body went over the limit (the rest was read and dropped). */
  tooLarge?: boolean;
}

/** Reads a request body up to `limitBytes`; resolves undefined when the client goes away first. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once('end', () =>
      resolve(
        tooLarge
          ? { tooLarge }
          : {
              text:
                chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            },
      ),
    );
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined));
  });
}
