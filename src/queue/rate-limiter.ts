import type { Database } from '../store/database.js';
import { countHit, dropWindows } from '../store/rate-limits-repository.js';

/**
 * Counts a key's requests in fixed one-minute windows, shared by every process: in memory for one process alone,
 * in the store for `serve --workers N` (one upsert per request), in Redis when clustered (INCR with an expiry).
 * Returns the count in the window.
 */
export interface RateLimiter {
  hit(keyId: string, windowStart: number): Promise<number>;
  close(): Promise<void>;
}

/** One process alone: its own count is everyone's, kept in memory (no write per request). */
export function createMemoryRateLimiter(): RateLimiter {
  const counts = new Map<string, { windowStart: number; hits: number }>();
  return {
    async hit(keyId, windowStart) {
      const entry = counts.get(keyId);
      if (!entry || entry.windowStart !== windowStart) {
        if (counts.size > 100_000) counts.clear();
        counts.set(keyId, { windowStart, hits: 1 });
        return 1;
      }
      return ++entry.hits;
    },
    close: async () => undefined,
  };
}

/**
 * `serve --workers N`: the count is in the store. While the store cannot take the write (its disk is full), each
 * process counts alone in memory — a limit per process, weaker but still one — so reads keep being answered.
 */
export function createStoreRateLimiter(db: Database, now: () => number): RateLimiter {
  let nextCleanup = 0;
  const alone = createMemoryRateLimiter();
  return {
    async hit(keyId, windowStart) {
      let count: number;
      try {
        count = await countHit(db, keyId, windowStart);
      } catch (error) {
        if (!String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_FULL')) throw error;
        return alone.hit(keyId, windowStart);
      }
      if (now() >= nextCleanup) {
        nextCleanup = now() + 60_000;
        await dropWindows(db, windowStart - 60_000);
      }
      return count;
    },
    close: async () => undefined,
  };
}
