import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { SharedRateLimiter } from '../../../src/limits/shared-rate-limiter.js';
import type { Rate } from '../../../src/limits/token-bucket.js';
import type { Usage, UsageExchange } from '../../../src/limits/usage-exchange.js';

/** The fleet's pooled counts, as Redis keeps them: per key, per replica, running totals. */
class Pool {
  readonly totals = new Map<string, Map<string, Usage>>();
  down = false;

  for(replica: string): UsageExchange {
    return {
      exchange: async (counts) => {
        if (this.down) throw new Error('ECONNREFUSED');
        const out = new Map<string, Usage>();
        for (const [key, usage] of counts) {
          const perReplica = this.totals.get(key) ?? new Map<string, Usage>();
          this.totals.set(key, perReplica);
          const mine = perReplica.get(replica) ?? { admitted: 0, seen: 0 };
          perReplica.set(replica, { admitted: mine.admitted + usage.admitted, seen: mine.seen + usage.seen });
          const others = { admitted: 0, seen: 0 };
          for (const [who, u] of perReplica) {
            if (who === replica) continue;
            others.admitted += u.admitted;
            others.seen += u.seen;
          }
          out.set(key, others);
        }
        return out;
      },
    };
  }
}

const RATE: Rate = { requestsPerSecond: 10, burst: 10 };
const SYNC_MS = 250;

function fleet(replicas: number) {
  const clock = new ManualClock();
  const pool = new Pool();
  const limiters = Array.from(
    { length: replicas },
    (_, i) =>
      new SharedRateLimiter({
        clock,
        exchange: pool.for(`r${i}`),
        replicas: () => replicas,
        syncMs: SYNC_MS,
      }),
  );
  const admitted = limiters.map(() => 0);
  /**
   * Runs `seconds` of traffic: every 10 ms, each replica gets requests at its rate from `perSecond` (fractions carry
   * over); each limiter pools its counts every SYNC_MS, at its own phase, as its timer would.
   */
  const run = async (seconds: number, perSecond: number[]) => {
    const owed = perSecond.map(() => 0);
    for (let ms = 0; ms < seconds * 1000; ms += 10) {
      for (const [i, limiter] of limiters.entries()) {
        if (ms % SYNC_MS === (i * 80) % SYNC_MS) await limiter.sync();
      }
      clock.advance(10);
      perSecond.forEach((rate, i) => {
        owed[i]! += rate / 100;
        while (owed[i]! >= 1) {
          owed[i]! -= 1;
          if (limiters[i]!.take('team-a', RATE) === 0) admitted[i]!++;
        }
      });
    }
  };
  const total = () => admitted.reduce((a, b) => a + b, 0);
  return { clock, pool, limiters, admitted, run, total };
}

describe('SharedRateLimiter: one key, three replicas', () => {
  it('holds the key to its rate for the whole fleet when traffic is spread evenly', async () => {
    const f = fleet(3);
    await f.run(0.3, [0, 0, 0]); // the first exchanges
    await f.run(10, [20, 20, 20]); // 60 requests/s offered to a key allowed 10/s
    // 10 s at 10/s plus the burst of 10; unshared, each replica would admit that much: 330
    expect(f.total()).toBeGreaterThanOrEqual(100);
    expect(f.total()).toBeLessThanOrEqual(120);
    for (const n of f.admitted) expect(n).toBeGreaterThan(25); // each replica gets a fair part
  });

  it('lets one replica use the whole limit when all of the key’s traffic reaches it', async () => {
    const f = fleet(3);
    await f.run(0.3, [0, 0, 0]);
    await f.run(10, [60, 0, 0]);
    expect(f.admitted[0]).toBeGreaterThanOrEqual(95);
    expect(f.total()).toBeLessThanOrEqual(120);
  });

  it('follows traffic that moves from one replica to another', async () => {
    const f = fleet(3);
    await f.run(0.3, [0, 0, 0]);
    await f.run(5, [60, 0, 0]);
    const before = f.total();
    await f.run(5, [0, 0, 60]);
    // the second replica's half: 5 s at 10/s, less the time its share takes to grow
    expect(f.total() - before).toBeGreaterThanOrEqual(40);
    expect(f.total()).toBeLessThanOrEqual(120);
  });

  it('enforces rate ÷ replicas on each replica while the pool cannot be reached, and recovers without a lockout', async () => {
    const f = fleet(3);
    await f.run(0.3, [0, 0, 0]);
    await f.run(2, [20, 20, 20]);
    f.pool.down = true;
    await f.run(3, [0, 0, 0]); // the last exchange is now stale: each replica is on its own
    const before = [...f.admitted];
    await f.run(10, [20, 20, 20]);
    const during = f.admitted.map((n, i) => n - before[i]!);
    // each: 10/3 per second for 10 s plus a burst of 3
    for (const n of during) expect(n).toBeGreaterThanOrEqual(33);
    for (const n of during) expect(n).toBeLessThanOrEqual(38);
    f.pool.down = false;
    const back = f.total();
    await f.run(5, [20, 20, 20]);
    // back to the fleet's limit at once, not locked out by the counts of the outage
    expect(f.total() - back).toBeGreaterThanOrEqual(45);
    expect(f.total() - back).toBeLessThanOrEqual(60);
  });

  it('answers with the time until a token is there', async () => {
    const f = fleet(1);
    await f.run(0.3, [0]);
    for (let i = 0; i < 10; i++) expect(f.limiters[0]!.take('team-a', RATE)).toBe(0);
    expect(f.limiters[0]!.take('team-a', RATE)).toBeGreaterThan(0);
  });
});
