import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, every } from '../clock.js';
import type { Timeline, TimelineEntry } from '../timeline/timeline.js';

/** How many past timeline entries a new subscriber gets before the live ones. */
const REPLAYED = 100;
/** Status snapshots this often; a change in between sends one sooner. */
const STATUS_EVERY_MS = 2000;
/** Asks EventSource to come back quickly after a drop (its default is a few seconds). */
const RETRY_MS = 1000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /admin/events`: the dashboard's live feed (docs/admin-api.md). On connect, the timeline entries the client
 * has not seen (all of the last 100, or those after its Last-Event-ID), then the status; then every timeline entry
 * as it happens (each with its id, so a reconnect resumes where it left off), followed by the status it changed, and
 * a status snapshot every 2 s.
 */
export class AdminEvents {
  readonly #clients = new Set<ServerResponse>();
  readonly #stop: () => void;
  #statusDue = false;

  constructor(
    private readonly timeline: Timeline,
    private readonly status: () => unknown,
    clock: Clock,
  ) {
    const unsubscribe = timeline.subscribe((entry) => {
      this.#broadcast(timelineFrame(entry));
      this.#statusSoon();
    });
    const stopStatus = every(clock, STATUS_EVERY_MS, () => {
      if (this.#clients.size > 0) this.#broadcast(frame('status', this.status()));
    });
    const stopHeartbeat = every(clock, HEARTBEAT_MS, () => this.#broadcast(': heartbeat\n\n'));
    this.#stop = () => {
      unsubscribe();
      stopStatus();
      stopHeartbeat();
    };
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const last = Number(req.headers['last-event-id']);
    const past = this.timeline.recent(REPLAYED).filter((e) => !(last >= e.id));
    for (const entry of past) res.write(timelineFrame(entry));
    res.write(frame('status', this.status()));
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  close(): void {
    this.#stop();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  /**
   * Every timeline entry is a change the status shows (an ejection, a pull, a stage): one status follows once the
   * current turn is over, however many entries it made, so the page need not wait for the next 2-second snapshot.
   */
  #statusSoon(): void {
    if (this.#statusDue || this.#clients.size === 0) return;
    this.#statusDue = true;
    setImmediate(() => {
      this.#statusDue = false;
      if (this.#clients.size > 0) this.#broadcast(frame('status', this.status()));
    });
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) res.write(text);
  }
}

function timelineFrame(entry: TimelineEntry): string {
  return `id: ${entry.id}\n${frame('timeline', entry)}`;
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
