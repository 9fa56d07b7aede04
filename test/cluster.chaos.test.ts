import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivatePostgres, startPrivateRedis } from './support/chaos-services.js';
import { diskFull, postgresRestart, redisRestart, zombieWorker, type ScenarioResult } from './support/chaos-scenarios.js';
import { startChaosWorld } from './support/chaos-world.js';

/**
 * One small round of the fault campaign (`npm run test:chaos` is the full one), in test:faults: a cluster with a
 * PostgreSQL and a Redis of its own survives a zombie worker, Redis restarted empty and PostgreSQL restarted;
 * embedded, a full disk. Each run must end as its client was told, its stream equal to its stored log, each step
 * completed once, repeated external calls with their first Idempotency-Key, the ledger exact, no process crashed.
 * (SIGKILLs of workers and API processes, and cancels of queued runs, have their own tests in cluster.test.ts and
 * cluster.cancel.test.ts.)
 */

const runs = 16;
const describe = (result: ScenarioResult) => `${result.name}: ${result.failures.join('; ')} ${JSON.stringify(result.observed)}`;

test('the cluster survives a zombie worker, Redis restarted empty and PostgreSQL restarted, with every stream equal to its stored log', async () => {
  const postgres = await startPrivatePostgres();
  const redis = await startPrivateRedis();
  try {
    const world = await startChaosWorld({ databaseUrl: postgres.url, redisUrl: redis.url });
    try {
      const zombie = await zombieWorker(world, runs);
      assert.deepEqual(zombie.failures, [], describe(zombie));
      const lost = await redisRestart(world, { redis }, runs, 4_000);
      assert.deepEqual(lost.failures, [], describe(lost));
      const outage = lost.observed.duringOutage as { statuses: Record<string, number>; retryAfter: boolean };
      assert.ok(!outage.statuses['500'], `no 500 while Redis is away: ${JSON.stringify(outage)}`);
      assert.ok(outage.retryAfter, 'every 503 says when to try again');
      const restarted = await postgresRestart(world, { postgres }, runs, 3_000);
      assert.deepEqual(restarted.failures, [], describe(restarted));
      const down = restarted.observed.duringOutage as { statuses: Record<string, number> };
      assert.ok(!down.statuses['500'], `no 500 while PostgreSQL is away: ${JSON.stringify(down)}`);
    } finally {
      await world.close();
    }
  } finally {
    await redis.close();
    postgres.close();
  }
});

test('embedded, a full disk: reads answer, writes are 507, and every run ends once space returns', async (t) => {
  const dir = join(tmpdir(), `flowrun-faults-disk-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', dir]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return t.skip('a small tmpfs cannot be mounted here (needs root)');
  }
  const filler = join(dir, 'filler');
  try {
    const result = await diskFull(
      () => startChaosWorld({ dataDir: join(dir, 'data') }),
      () => {
        const fd = openSync(filler, 'w');
        try {
          for (const chunk = Buffer.alloc(64 * 1024); ;) writeSync(fd, chunk);
        } catch {
          // ENOSPC: the disk is full.
        } finally {
          closeSync(fd);
        }
      },
      () => rmSync(filler, { force: true }),
      runs,
      3_000,
    );
    assert.deepEqual(result.failures, [], describe(result));
    const writes = result.observed.writesWhileFull as Record<string, number>;
    assert.ok((writes['507'] ?? 0) > 0, `writes were refused with 507 while the disk was full: ${JSON.stringify(writes)}`);
  } finally {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
