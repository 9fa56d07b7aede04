import { Redis } from 'ioredis';
import { FlowrunError } from '../protocol/errors.js';
import type { RateLimiter } from './rate-limiter.js';

/** How long a request waits on Redis for its count before it is refused. */
const answerWithinMs = 500;

/**
 * The clustered rate limiter: one INCR with an expiry per request, shared by every API process. It fails closed and
 * fast: while Redis is away a request is refused within half a second (503 DEPENDENCY_UNAVAILABLE with Retry-After), never queued
 * behind reconnects (requests waited 6–9.6 s on a Redis restart) and never let through uncounted.
 */
export function createRedisRateLimiter(url: string, prefix: string, onError: (error: unknown) => void): RateLimiter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: answerWithinMs });
  redis.on('error', onError);
  return {
    async hit(keyId, windowStart) {
      const key = `${prefix}:ratelimit:${keyId}:${windowStart}`;
      let results: [Error | null, unknown][] | null;
      try {
        results = await redis.multi().incr(key).pexpire(key, 120_000).exec();
      } catch {
        throw new FlowrunError(
          'DEPENDENCY_UNAVAILABLE',
          'Redis, which counts requests against rate limits, does not answer; try again shortly',
          [],
          {
            retryAfterSeconds: 2,
          },
        );
      }
      const [error, count] = results?.[0] ?? [new Error('redis returned no result'), 0];
      if (error) throw error;
      return Number(count);
    },
    async close() {
      // QUIT waits for an answer a Redis that is away never sends: the connection is dropped after a moment.
      const quitting = redis.quit().catch(() => undefined);
      await Promise.race([quitting, new Promise((resolve) => setTimeout(resolve, answerWithinMs).unref())]);
      redis.disconnect();
    },
  };
}
