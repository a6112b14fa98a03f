import type { Clock, Timer } from '../../clock.js';
import type { RedisConnection } from './connection.js';
import { LuaScript } from './lua-script.js';

/** A replica not heard from for this long is not counted as alive. */
export const ALIVE_MS = 3_000;
const FORGET_MS = 30_000;
const HEARTBEAT_MS = 1_000;

/** KEYS replicas. ARGV name, now, alive ms, forget ms. Records this replica's heartbeat; answers who is alive. */
const HEARTBEAT = new LuaScript(`
local now = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[4]))
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[3]), '+inf')`);

/**
 * Which replicas are alive (keys.ts `replicas`): each sends a heartbeat every second and learns the others'. The
 * status page lists them; the rate limiter divides a key's limit by their number while Redis is away. The last list
 * heard is kept through an outage (this replica always in it).
 */
export class RedisPresence {
  #alive: string[];
  #timer: Timer | undefined;
  #stopped = false;

  constructor(
    private readonly conn: RedisConnection,
    private readonly clock: Clock,
    private readonly name: string,
  ) {
    this.#alive = [name];
  }

  /** The replicas heard from within the last 3 s, sorted, this one included. */
  alive(): string[] {
    return this.#alive;
  }

  start(): void {
    const beat = () => {
      if (this.#stopped) return;
      void this.beat().finally(() => {
        if (this.#stopped) return;
        this.#timer = this.clock.setTimeout(beat, HEARTBEAT_MS);
        this.#timer.unref?.();
      });
    };
    beat();
  }

  /** One heartbeat; never rejects. */
  async beat(): Promise<void> {
    if (!this.conn.up) return;
    try {
      const names = (await HEARTBEAT.run(
        this.conn.client,
        [this.conn.keys.replicas],
        [this.name, this.clock.now(), ALIVE_MS, FORGET_MS],
      )) as string[];
      this.#alive = [...new Set([...names, this.name])].sort();
    } catch {
      // the connection reports the outage; the last list stands
    }
  }

  /** Stops the heartbeat and leaves the list at once, so the others' shares grow without waiting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.clock.clearTimeout(this.#timer);
    if (!this.conn.up) return;
    await this.conn.client.zrem(this.conn.keys.replicas, this.name).catch(() => undefined);
  }
}
