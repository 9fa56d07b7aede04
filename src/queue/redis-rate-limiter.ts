import { Redis } from 'ioredis';
import type { RateLimiter } from './rate-limiter.js';

/** The clustered rate limiter: one INCR with an expiry per request, shared by every API process. */
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
