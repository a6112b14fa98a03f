import { Redis, type RedisOptions } from 'ioredis';
import type { Clock } from '../../clock.js';
import type { RedisConfig } from '../../config/schema.js';
import { RedisKeys } from './keys.js';

export interface RedisConnectionOptions {
  clock: Clock;
  /** Shown in Redis's CLIENT LIST, to tell replicas apart there. */
  name: string;
  /** A command not answered within this many ms fails (default 1000): an operator waits no longer for a 503. */
  commandTimeoutMs?: number;
}

export interface ConnectionStatus {
  ok: boolean;
  detail?: string;
  since?: number;
}

/** ioredis options that keep a lost or hung Redis from ever holding memory or callers for long. */
function clientOptions(name: string, commandTimeoutMs: number): RedisOptions {
  return {
    connectionName: name,
    // a command issued while disconnected fails at once instead of waiting in an unbounded queue
    enableOfflineQueue: false,
    // commands in flight when the connection drops fail at once; nothing is resent later out of order
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // channels are subscribed again on every 'ready' by RedisConnection itself (the offline queue is off)
    autoResubscribe: false,
    commandTimeout: commandTimeoutMs,
    // a hung server (no reply to a command) is treated as gone: the socket is destroyed and reconnected
    socketTimeout: commandTimeoutMs * 2,
    connectTimeout: 2000,
    keepAlive: 10_000,
    disableClientInfo: true,
    // 100 ms, doubling, at most 2 s between attempts, for ever
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
}

/**
 * One replica's link to the fleet's Redis: a client for commands and one for pub/sub (a subscribed connection can
 * do nothing else), and whether both are up. Every store of the replica shares it, so an outage is one outage: seen
 * once, reported once, and each store reconciles when it ends.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly keys: RedisKeys;
  /** host:port, never the password: safe for logs and status pages. */
  readonly where: string;
  readonly #clock: Clock;
  readonly #channels = new Map<string, Set<(message: string) => void>>();
  readonly #statusListeners = new Set<(up: boolean) => void>();
  #up = false;
  #since: number;
  #lastError = 'connecting';
  #subscribed = false;
  #closed = false;

  constructor(config: RedisConfig, opts: RedisConnectionOptions) {
    this.#clock = opts.clock;
    this.#since = opts.clock.now();
    this.keys = new RedisKeys(config.keyPrefix);
    const url = new URL(config.url);
    this.where = `${url.hostname}:${url.port || '6379'}`;
    const options = clientOptions(opts.name, opts.commandTimeoutMs ?? 1000);
    this.client = new Redis(config.url, options);
    this.subscriber = new Redis(config.url, { ...options, connectionName: `${opts.name}:sub` });
    for (const redis of [this.client, this.subscriber]) {
      redis.on('error', (e: Error) => {
        this.#lastError = describeRedisError(e);
      });
      redis.on('ready', () => this.#update());
      redis.on('close', () => {
        // a server that goes away closes the connection without an error; the next attempt's error says more
        if (this.#up) this.#lastError = 'connection lost';
        this.#update();
      });
      redis.on('end', () => this.#update());
    }
    this.subscriber.on('ready', () => this.#resubscribe());
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.#channels.get(channel) ?? []) listener(message);
    });
  }

  /** Both connections are ready: commands can be sent and messages heard. */
  get up(): boolean {
    return this.#up;
  }

  status(): ConnectionStatus {
    if (this.#up) return { ok: true };
    return { ok: false, detail: `redis at ${this.where}: ${this.#lastError}`, since: this.#since };
  }

  /** Hears every change of `up` (the stores reconcile when it comes back). */
  onStatus(listener: (up: boolean) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Hears `channel`'s messages, from now on and again after every reconnection. */
  onMessage(channel: string, listener: (message: string) => void): () => void {
    let listeners = this.#channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
      if (this.subscriber.status === 'ready') this.subscriber.subscribe(channel).catch(() => undefined);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Resolves true once up, or false after `timeoutMs` (start-up waits a little for shared state, never for long). */
  whenUp(timeoutMs: number): Promise<boolean> {
    if (this.#up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        stop();
        resolve(false);
      }, timeoutMs);
      timer.unref?.();
      const stop = this.onStatus((up) => {
        if (!up) return;
        stop();
        this.#clock.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statusListeners.clear();
    await Promise.all([quit(this.client), quit(this.subscriber)]);
  }

  #resubscribe(): void {
    const channels = [...this.#channels.keys()];
    if (channels.length === 0) {
      this.#subscribed = true;
      this.#update();
      return;
    }
    // up only once subscribed: a message published before that would be missed, and the reconcile that follows
    // 'up' must see everything that was not heard
    this.subscriber.subscribe(...channels).then(
      () => {
        this.#subscribed = true;
        this.#update();
      },
      () => undefined,
    );
  }

  #update(): void {
    if (this.subscriber.status !== 'ready') this.#subscribed = false;
    const up =
      !this.#closed &&
      this.client.status === 'ready' &&
      this.subscriber.status === 'ready' &&
      this.#subscribed;
    if (up === this.#up) return;
    this.#up = up;
    this.#since = this.#clock.now();
    if (up) this.#lastError = 'connecting';
    for (const listener of [...this.#statusListeners]) listener(up);
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  } catch {
    redis.disconnect();
  }
}

/** A Redis error in words, without the URL (which may hold the password). */
export function describeRedisError(e: unknown): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
