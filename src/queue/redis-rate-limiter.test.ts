import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

const redisUrl = process.env.FLOWRUN_TEST_REDIS_URL;

test('counts hits in Redis per key and window', { skip: redisUrl ? false : 'FLOWRUN_TEST_REDIS_URL is not set' }, async () => {
  const limiter = createRedisRateLimiter(redisUrl!, `flowrun-rl-${process.pid}-${Date.now().toString(36)}`, () => undefined);
  try {
    assert.equal(await limiter.hit('k', 60_000), 1);
    assert.equal(await limiter.hit('k', 60_000), 2);
    assert.equal(await limiter.hit('other', 60_000), 1);
  } finally {
    await limiter.close();
  }
});

test('while Redis does not answer, a hit is refused as 503 DEPENDENCY_UNAVAILABLE with Retry-After, not held', async () => {
  // A server that accepts connections and never answers: a Redis that hangs.
  const sockets = new Set<import('node:net').Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const limiter = createRedisRateLimiter(`redis://127.0.0.1:${port}`, 'x', () => undefined);
  try {
    await assert.rejects(limiter.hit('k', 60_000), (error: { code?: string; status?: number; retryAfterSeconds?: number }) => {
      assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
      assert.equal(error.status, 503);
      assert.ok((error.retryAfterSeconds ?? 0) > 0);
      return true;
    });
  } finally {
    await limiter.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
