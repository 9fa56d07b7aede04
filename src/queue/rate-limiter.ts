import { Redis } from 'ioredis';
import type { Database } from '../store/database.js';
import { countHit, dropWindows } from '../store/rate-limits-repository.js';

/**
 * Counts a key's requests in fixed one-minute windows, shared by every process: in the store when embedded
 * (one upsert per request), in Redis when clustered (INCR with an expiry). Returns the count in the window.
 */
export interface RateLimiter {
  hit(keyId: string, windowStart: number): Promise<number>;
  close(): Promise<void>;
}

export function createStoreRateLimiter(db: Database, now: () => number): RateLimiter {
  let nextCleanup = 0;
  return {
    async hit(keyId, windowStart) {
      const count = await countHit(db, keyId, windowStart);
      if (now() >= nextCleanup) {
        nextCleanup = now() + 60_000;
        await dropWindows(db, windowStart - 60_000);
      }
      return count;
    },
    close: async () => undefined,
  };
}

export function createRedisRateLimiter(url: string, prefix: string, onError: (error: unknown) => void): RateLimiter {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  redis.on('error', onError);
  return {
    async hit(keyId, windowStart) {
      const key = `${prefix}:ratelimit:${keyId}:${windowStart}`;
      const results = await redis.multi().incr(key).pexpire(key, 120_000).exec();
      const [error, count] = results?.[0] ?? [new Error('redis returned no result'), 0];
      if (error) throw error;
      return Number(count);
    },
    async close() {
      await redis.quit().catch(() => undefined);
    },
  };
}
