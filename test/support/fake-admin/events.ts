import type { ServerResponse } from 'node:http';
import type { Status, TimelineEntry } from '../admin-contract.js';

/** How many past timeline entries a new subscriber gets before the live ones. */
export const REPLAYED = 100;
/** Asks EventSource to come back quickly after a drop (its default is a few seconds). */
const RETRY_MS = 1_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** The open `GET /admin/events` streams. */
export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  subscribe(res: ServerResponse, past: readonly TimelineEntry[], status: Status): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    for (const entry of past.slice(-REPLAYED)) res.write(frame('timeline', entry));
    res.write(frame('status', status));
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  timeline(entry: TimelineEntry): void {
    this.#write(frame('timeline', entry));
  }

  status(status: Status): void {
    this.#write(frame('status', status));
  }

  /** Cuts every stream, as a restart or a proxy would; EventSource then reconnects. */
  drop(): void {
    for (const res of this.#clients) res.socket?.destroy();
    this.#clients.clear();
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #write(text: string): void {
    for (const res of this.#clients) res.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
