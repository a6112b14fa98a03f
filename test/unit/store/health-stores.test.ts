import { afterAll, beforeAll } from 'vitest';
import { MemoryHealthStore } from '../../../src/store/memory/memory-health-store.js';
import { RedisConnection } from '../../../src/store/redis/connection.js';
import { RedisHealthStore } from '../../../src/store/redis/redis-health-store.js';
import { RETENTION, runHealthStoreContract } from '../../contract/health-store.contract.js';
import { HealthHub } from '../../support/health-hub.js';
import { type RedisServer, startRedis } from '../../support/redis.js';

runHealthStoreContract(
  'memory',
  async () => ({ open: () => new MemoryHealthStore(), close: async () => undefined }),
  { shared: false },
);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

let fleets = 0;
runHealthStoreContract(
  'redis',
  async (clock) => {
    const keyPrefix = `fleet${++fleets}:`;
    return {
      open: async (replica) => {
        const connection = new RedisConnection({ url: redis.url, keyPrefix }, { clock, name: replica });
        await connection.whenUp(5000);
        return new RedisHealthStore(connection, { clock, ...RETENTION, ownsConnection: true });
      },
      outage: { begin: () => redis.kill(), end: () => redis.restart() },
      close: async () => undefined,
    };
  },
  { shared: true },
);

runHealthStoreContract(
  'test hub (test/support/health-hub.ts)',
  async (clock) => {
    const hub = new HealthHub(clock, RETENTION);
    return {
      open: () => hub.open(),
      outage: {
        begin: async () => {
          hub.down = true;
        },
        end: async () => {
          hub.clear();
          hub.down = false;
        },
      },
      close: async () => undefined,
    };
  },
  { shared: true },
);
